import KlpSplitCommands

#if canImport(Glibc)
ShortLivedHeap.configure()
#endif
KlpSplit.main()
