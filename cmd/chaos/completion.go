package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/chaos-harness/chaos/scenarios"
)

// registerCompletions teaches shell completion (cobra's `chaos completion
// bash|zsh|fish|powershell`) the values every command shares: scenario names
// for NAME|FILE arguments and --scenario, the engines, the jitter
// strategies, the output formats, and the policies of the scenario given.
// It runs once over the whole tree, so a command only has to name its
// argument NAME|FILE in its Use line to get them.
func registerCompletions(cmd *cobra.Command) {
	if cmd.ValidArgsFunction == nil && strings.Contains(cmd.Use, "NAME|FILE") {
		cmd.ValidArgsFunction = completeScenarioArgs
	}
	words := map[string][]string{
		"engine":     scenarios.Engines,
		"jitter":     allJitters,
		"format":     {formatText, formatJSON},
		"log-format": {formatText, formatJSON},
	}
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if _, set := cmd.GetFlagCompletionFunc(f.Name); set {
			return
		}
		switch {
		case words[f.Name] != nil:
			_ = cmd.RegisterFlagCompletionFunc(f.Name, completeWords(words[f.Name]...))
		case f.Name == "scenario" && cmd.Name() == "serve":
			_ = cmd.RegisterFlagCompletionFunc(f.Name, completeScenarioArgs)
		case f.Name == "policy":
			_ = cmd.RegisterFlagCompletionFunc(f.Name, completePolicies)
		}
	})
	for _, sub := range cmd.Commands() {
		registerCompletions(sub)
	}
}

// completePolicies completes --policy from the policies of the scenario
// named by the first argument (compare's default scenario without one).
func completePolicies(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	arg := defaultCompareScenario
	if len(args) > 0 {
		arg = args[0]
	} else if cmd.Name() != "compare" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	sc, err := scenarios.Load(arg)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return sc.PolicyNames(), cobra.ShellCompDirectiveNoFileComp
}
