package main

import (
	"flag"
	"fmt"
	"os"
)

// runManager is a placeholder until its issue lands.
func runManager(args []string) int {
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	fmt.Fprintln(os.Stderr, "manager: not implemented yet")
	return 1
}
