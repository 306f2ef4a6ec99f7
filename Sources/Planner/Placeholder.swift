// Planner: see README.md in this folder.
