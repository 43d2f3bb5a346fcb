import type { ReactNode } from 'react';
import { Link } from '../router';

/** The public pages' own navigation: reporting, published advisories and credits. */
export function PublicNav({ pathname }: { pathname: string }) {
  const items = [
    { to: '/', label: 'Projects', active: pathname === '/' || /^\/p\/[^/]+\/?$/.test(pathname) },
    { to: '/advisories', label: 'Advisories', active: pathname === '/advisories' || /^\/p\/[^/]+\/advisories(\/|$)/.test(pathname) },
    { to: '/hall-of-fame', label: 'Hall of fame', active: pathname === '/hall-of-fame' || /^\/p\/[^/]+\/hall-of-fame$/.test(pathname) },
  ];
  return (
    <nav aria-label="Site" className="site-nav">
      <NavLinks items={items} />
    </nav>
  );
}

export type NavItem = { to: string; label: string; active: boolean };

/** A navigation list with the current page marked; `children` are further list items (e.g. a button). */
export function NavLinks({ items, children }: { items: NavItem[]; children?: ReactNode }) {
  return (
    <ul>
      {items.map((item) => (
        <li key={item.to}>
          <Link to={item.to} aria-current={item.active ? 'page' : undefined}>
            {item.label}
          </Link>
        </li>
      ))}
      {children}
    </ul>
  );
}

type Props = { area: 'public' | 'team'; nav?: ReactNode; children: ReactNode };

export function Layout({ area, nav, children }: Props) {
  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          // Focus instead of following the fragment: on a reporter's status page the fragment is their token.
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className={`site-header site-header--${area}`}>
        <div className="site-header__inner">
          <Link to={area === 'team' ? '/team' : '/'} className="brand">
            <span className="brand__mark" aria-hidden="true" />
            Embargo{area === 'team' ? <span className="brand__area"> team desk</span> : null}
          </Link>
          {nav}
        </div>
      </header>
      <main id="main" tabIndex={-1} className={`main main--${area}`}>
        {children}
      </main>
      <footer className="site-footer">
        <p>
          Embargo: private vulnerability reporting. <a href="/openapi.json">API</a>
        </p>
      </footer>
    </>
  );
}
