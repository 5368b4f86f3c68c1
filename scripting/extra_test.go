package scripting
var extraDiffCases []diffCase
