// Command webhook-operator is one binary with three subcommands: the operator
// (manager), the webhook receiver (receiver), and a local all-in-one mode
// (dev). A WebhookReceiver's Deployment runs the receiver from its own,
// smaller binary (cmd/receiver), which links none of the operator's code.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/webhook-operator/webhook-operator/cmd/receiver/app"
)

const usage = `webhook-operator connects Git host push webhooks to Fleet GitRepos.

Usage:
  webhook-operator manager  [flags]   run the operator
  webhook-operator receiver [flags]   run the webhook receiver for one WebhookReceiver
  webhook-operator dev      [flags]   run everything on a local embedded control plane

Run 'webhook-operator <command> --help' for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var code int
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "manager":
		code = runManager(args)
	case "receiver":
		code = app.Run(args)
	case "dev":
		code = runDev(args)
	case "-h", "--help", "help":
		fmt.Fprint(os.Stdout, usage)
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", cmd, usage)
		code = 2
	}
	os.Exit(code)
}

// parseFlags parses a subcommand's flags and refuses positional arguments.
// When the command must end here it returns ok false and the exit code: 0
// after -help, 2 after a bad flag or an argument (usage is printed).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected arguments %v\n", fs.Name(), fs.Args())
		fs.Usage()
		return 2, false
	}
	return 0, true
}
