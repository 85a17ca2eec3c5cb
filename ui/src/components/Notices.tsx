import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { Anchor, Notification } from '@mantine/core';
import classes from './Notices.module.css';

export interface Notice {
  /** Same id replaces an earlier notice instead of stacking a second one. */
  id?: string;
  title?: string;
  message: ReactNode;
  color?: 'green' | 'red' | 'yellow' | 'blue';
  /** A link shown under the message, e.g. to the page the notice is about. */
  action?: { label: string; to: string; onClick?: () => void };
  /** Milliseconds before it goes away by itself; false = until closed. Default 8000. */
  autoClose?: number | false;
}

interface NoticesValue {
  notify: (notice: Notice) => string;
  dismiss: (id: string) => void;
  /** Removes every notice (e.g. on sign-out: they were for the previous user). */
  clear: () => void;
}

const NoticesContext = createContext<NoticesValue | null>(null);
let counter = 0;

/**
 * Short-lived messages in the corner of the screen ("You left acme",
 * "2 invitations are waiting"). The region is a polite live region, so screen
 * readers announce them without moving the focus.
 */
export function NoticesProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<(Notice & { id: string })[]>([]);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: string) => {
    const timer = timers.current.get(id);
    if (timer) clearTimeout(timer);
    timers.current.delete(id);
    setNotices((list) => list.filter((n) => n.id !== id));
  }, []);

  const notify = useCallback(
    (notice: Notice) => {
      const id = notice.id ?? `notice-${++counter}`;
      setNotices((list) => [...list.filter((n) => n.id !== id), { ...notice, id }].slice(-4));
      const old = timers.current.get(id);
      if (old) clearTimeout(old);
      const after = notice.autoClose ?? 8000;
      if (after !== false) timers.current.set(id, setTimeout(() => dismiss(id), after));
      return id;
    },
    [dismiss],
  );

  const clear = useCallback(() => {
    timers.current.forEach((t) => clearTimeout(t));
    timers.current.clear();
    setNotices([]);
  }, []);

  useEffect(() => {
    const all = timers.current;
    return () => all.forEach((t) => clearTimeout(t));
  }, []);

  const value = useMemo(() => ({ notify, dismiss, clear }), [notify, dismiss, clear]);
  return (
    <NoticesContext value={value}>
      {children}
      <div className={classes.region} role="region" aria-label="Notifications" aria-live="polite">
        {notices.map((n) => (
          <Notification
            key={n.id}
            title={n.title}
            color={n.color ?? 'blue'}
            withBorder
            closeButtonProps={{ 'aria-label': 'Dismiss notification' }}
            onClose={() => dismiss(n.id)}
            data-notice={n.id}
            role="status"
          >
            {n.message}
            {n.action ? (
              <>
                {' '}
                <Anchor
                  component={Link}
                  to={n.action.to}
                  size="sm"
                  onClick={() => {
                    n.action?.onClick?.();
                    dismiss(n.id);
                  }}
                >
                  {n.action.label}
                </Anchor>
              </>
            ) : null}
          </Notification>
        ))}
      </div>
    </NoticesContext>
  );
}

const noop: NoticesValue = { notify: () => '', dismiss: () => {}, clear: () => {} };

/** notify()/dismiss(); outside a NoticesProvider they do nothing. */
export function useNotices(): NoticesValue {
  return use(NoticesContext) ?? noop;
}
