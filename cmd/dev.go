package main

import (
	"flag"
	"fmt"
	"os"
)

// runDev is a placeholder until its issue lands.
func runDev(args []string) int {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	fmt.Fprintln(os.Stderr, "dev: not implemented yet")
	return 1
}
