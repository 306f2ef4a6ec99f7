/// The findings of one run, in the order the rules report them.
struct FindingList {
    private(set) var findings: [Finding] = []

    mutating func add(_ rule: Rule, _ file: String, _ location: String?, _ message: String) {
        findings.append(Finding(rule, file: file, location: location, message: message))
    }
}
