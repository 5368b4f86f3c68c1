//go:build !unix

package persist

import "os"

// mapFile reads the whole file.
func mapFile(path string) (data []byte, release func(), err error) {
	data, err = os.ReadFile(path)
	return data, func() {}, err
}
