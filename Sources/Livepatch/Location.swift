import ELF

/// A place inside the livepatch module: a section index and an offset in it.
package struct Location: Hashable, Sendable, Comparable {
    package let section: Int
    package let offset: UInt64

    package init(section: Int, offset: UInt64) {
        self.section = section
        self.offset = offset
    }

    package static func < (lhs: Location, rhs: Location) -> Bool {
        (lhs.section, lhs.offset) < (rhs.section, rhs.offset)
    }
}
