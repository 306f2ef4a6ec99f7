extension KlpObject {
    /// An object (nil: vmlinux) with its functions and callbacks, for synthetic planner inputs.
    package init(synthetic name: String?, functions: [KlpFunction], callbacks: [KlpCallback]) {
        self.init(name: name, functions: functions, callbacks: callbacks)
    }
}

extension KlpCallback {
    /// A `struct klp_callbacks` member as values, for synthetic planner inputs.
    package init(synthetic kind: String, function: String, at location: Location) {
        self.init(kind: kind, function: function, location: location)
    }
}
