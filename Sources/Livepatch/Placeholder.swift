// Livepatch: see README.md in this folder.
