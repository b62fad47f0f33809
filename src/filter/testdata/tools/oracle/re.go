package main

import (
	"encoding/json"
	"os"
	"regexp"
)

type reCase struct {
	Pattern string   `json:"pattern"`
	Inputs  []string `json:"inputs"`
	Err     string   `json:"err,omitempty"`
	Matches []bool   `json:"matches,omitempty"`
}

func runRegexp() {
	var cases []reCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	for i := range cases {
		re, err := regexp.Compile(cases[i].Pattern)
		if err != nil {
			cases[i].Err = err.Error()
			continue
		}
		for _, in := range cases[i].Inputs {
			cases[i].Matches = append(cases[i].Matches, re.MatchString(in))
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	enc.Encode(cases)
}
