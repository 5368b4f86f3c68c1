// Package atomicfile replaces files so that a crash leaves either the old
// file or the new one, never a torn mix: the way Redis writes dump.rdb,
// the AOF manifest, nodes.conf and a rewritten configuration file.
package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path with what write produces: a temporary file beside it
// ("temp-<name>-*"), synced, given the old file's permissions (mode when
// there is none), renamed over path, and the directory synced so that the
// rename itself is durable. On an error the temporary file is removed and
// path is untouched.
func Write(path string, mode fs.FileMode, write func(w io.Writer) error) (err error) {
	if st, serr := os.Stat(path); serr == nil {
		mode = st.Mode().Perm()
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "temp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// WriteBytes is Write for data already in memory.
func WriteBytes(path string, mode fs.FileMode, data []byte) error {
	return Write(path, mode, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// SyncDir fsyncs a directory, making a rename or a new file in it durable.
// File systems that cannot sync a directory are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
