//go:build tools

package exporter

import _ "github.com/oliver006/redis_exporter"
