// Convert: see README.md in this folder.
