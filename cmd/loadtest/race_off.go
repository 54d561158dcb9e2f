//go:build !race

package main

// raceEnabled reports whether this binary was built with -race; the smoke
// test then builds the bot with -race too, reusing what go test compiled.
const raceEnabled = false
