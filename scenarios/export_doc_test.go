package scenarios

import "reflect"

// ScenarioFileType is the top level of the scenario file as its decoder
// reads it, and RawNodeType the type of a section decoded later by its own
// package's type: the docs spec walks their yaml tags.
var (
	ScenarioFileType = reflect.TypeOf(scenarioFile{})
	RawNodeType      = reflect.TypeOf(rawNode{})
)
