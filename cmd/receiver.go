package main

import (
	"flag"
	"fmt"
	"os"
)

// runReceiver is a placeholder until its issue lands.
func runReceiver(args []string) int {
	fs := flag.NewFlagSet("receiver", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	fmt.Fprintln(os.Stderr, "receiver: not implemented yet")
	return 1
}
