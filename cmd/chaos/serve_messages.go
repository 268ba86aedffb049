package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// serveMessages writes what `chaos serve` says about itself on standard
// error: lines for a person ("chaos serve: ..."), or with --log-format json
// one JSON object a line (log/slog) for a log collector. The "listening on
// URL" line on standard output is the same in both.
type serveMessages struct {
	w    io.Writer
	json *slog.Logger // nil for text
}

func newServeMessages(w io.Writer, format string) (serveMessages, error) {
	switch format {
	case "", formatText:
		return serveMessages{w: w}, nil
	case formatJSON:
		return serveMessages{w: w, json: slog.New(slog.NewJSONHandler(w, nil))}, nil
	}
	return serveMessages{}, fmt.Errorf("--log-format %q: use text or json", format)
}

// say writes an event: text is the person's line, msg and attrs the JSON
// form's message and fields.
func (m serveMessages) say(level slog.Level, text, msg string, attrs ...any) {
	if m.json == nil {
		fmt.Fprintf(m.w, "chaos serve: %s\n", text)
		return
	}
	m.json.Log(context.Background(), level, msg, attrs...)
}
