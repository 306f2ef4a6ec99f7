import KlpSplitCommands

KlpSplit.main()
