module github.com/miniredis/miniredis

go 1.26.0

require (
	github.com/cespare/xxhash/v2 v2.3.0
	github.com/stretchr/testify v1.12.1
	github.com/valyala/bytebufferpool v1.0.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
