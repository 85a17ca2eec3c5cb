package policies

import "context"

// ReloadHook is told about every reload attempt of Options.Dir that found
// changed files: overrides are the file names now laid over the embedded
// policies; problem is nil when the new set became active, else why it was
// rejected (the last good set stays active).
type ReloadHook func(ctx context.Context, overrides []string, problem error)

// SetReloadHook installs fn (nil removes it). The server uses it to write
// policy changes to the audit log.
func (e *Engine) SetReloadHook(fn ReloadHook) {
	if fn == nil {
		e.reloadHook.Store(nil)
		return
	}
	e.reloadHook.Store(&fn)
}

func (e *Engine) notifyReload(ctx context.Context, overrides []string, problem error) {
	if fn := e.reloadHook.Load(); fn != nil {
		(*fn)(ctx, overrides, problem)
	}
}
