// SPDX-License-Identifier: GPL-2.0

// goprobe: a statically linked Go program for test-host.sh.
//
//	goprobe get URL      prints the body of URL
//	goprobe serve ADDR   serves "hello from go" on ADDR until killed
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		os.Exit(2)
	}
	switch os.Args[1] {
	case "get":
		resp, err := http.Get(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer resp.Body.Close()
		io.Copy(os.Stdout, resp.Body)
	case "serve":
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "hello from go")
		})
		fmt.Fprintln(os.Stderr, http.ListenAndServe(os.Args[2], nil))
		os.Exit(1)
	default:
		os.Exit(2)
	}
}
