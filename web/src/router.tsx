import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/**
 * A very small history router: the app has a dozen routes and needs no more than path matching,
 * links and navigation. Server-side, the same paths answer index.html (src/platform/http/web.routes.ts).
 */

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
window.addEventListener('popstate', notify);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
const snapshot = () => window.location.pathname + window.location.search;

export function navigate(to: string, options: { replace?: boolean; state?: unknown } = {}): void {
  if (options.replace) window.history.replaceState(options.state ?? null, '', to);
  else window.history.pushState(options.state ?? null, '', to);
  if (!to.includes('#')) window.scrollTo(0, 0);
  notify();
}

export type Location = { pathname: string; search: URLSearchParams; state: unknown };

export function useLocation(): Location {
  const key = useSyncExternalStore(subscribe, snapshot);
  const [pathname = '/', search = ''] = key.split('?');
  return { pathname, search: new URLSearchParams(search), state: window.history.state as unknown };
}

/** "/team/reports/:id" against "/team/reports/abc" gives { id: "abc" }; null when it does not match. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const value = have[index]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}

/** Sets the document title and, after client-side navigation, moves focus to the page's heading. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Embargo`;
  }, [title]);
}
