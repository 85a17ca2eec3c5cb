package main

import (
	"embed"
	"io/fs"
)

// uiDist is the built single-page app; `make ui` rebuilds it and the result is
// committed so `go build` works without Node.
//
//go:embed all:ui/dist
var uiDist embed.FS

// uiFS returns the built UI rooted at its top folder.
func uiFS() fs.FS {
	sub, err := fs.Sub(uiDist, "ui/dist")
	if err != nil {
		panic(err) // the embed directive guarantees the folder exists
	}
	return sub
}
