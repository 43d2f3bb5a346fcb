import type { ReactNode } from 'react';
import { Link } from '../router';

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
