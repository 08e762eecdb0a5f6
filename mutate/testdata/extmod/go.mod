module example.com/extmod

go 1.26.0

require github.com/faultline-sim/faultline v0.0.0

require (
	github.com/anishathalye/porcupine v1.3.1 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)

replace github.com/faultline-sim/faultline => ../../..
