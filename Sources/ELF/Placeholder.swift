// ELF: see README.md in this folder.
