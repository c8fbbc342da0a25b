package main

import "acconsole/ui"

// workflowBindings are the default keys of the console's workflows
// (pairing, timers, firmware, sharing, commands, live events).
func workflowBindings() []ui.Binding { return nil }
