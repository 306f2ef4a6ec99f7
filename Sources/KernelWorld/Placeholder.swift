// KernelWorld: see README.md in this folder.
