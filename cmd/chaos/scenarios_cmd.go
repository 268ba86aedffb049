package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/scenarios"
)

func init() { subcommands = append(subcommands, newScenariosCmd) }

func newScenariosCmd(s streams) *cobra.Command {
	var format outputFormat
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List the built-in scenarios, or print one with 'scenarios show NAME'",
		Long: `scenarios lists the built-in scenario library, one line each with its
description. Every command that takes NAME|FILE accepts these names.

'chaos scenarios show NAME' prints a built-in scenario's YAML, a starting point
for a scenario file of your own. With --format json the list is a JSON array
of {"name", "description"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := format.check(); err != nil {
				return err
			}
			list, err := scenarios.Builtins()
			if err != nil {
				return err
			}
			if format.json() {
				type entry struct {
					Name        string `json:"name"`
					Description string `json:"description"`
				}
				entries := make([]entry, len(list))
				for i, b := range list {
					entries[i] = entry{b.Name, b.Description}
				}
				return writeJSON(s.out, entries)
			}
			tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
			for _, b := range list {
				fmt.Fprintf(tw, "%s\t%s\n", b.Name, b.Description)
			}
			return tw.Flush()
		},
	}
	format.register(cmd, "the list of built-in scenarios")
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Print the YAML of a built-in scenario",
		Args:  cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return scenarios.BuiltinNames(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := scenarios.BuiltinSource(args[0])
			if err != nil {
				return err
			}
			_, err = s.out.Write(data)
			return err
		},
	})
	return cmd
}
