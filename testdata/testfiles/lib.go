// Package testfiles has net/http calls only in its tests.
package testfiles

func URL() string { return "http://127.0.0.1:1/" }
