import { lazy, Suspense, useEffect, useRef } from 'react';
import { Layout, PublicNav } from './components/Layout';
import { Loading } from './components/Notice';
import { AdvisoryListPage } from './public/AdvisoryListPage';
import { HallOfFamePage } from './public/HallOfFamePage';
import { HomePage } from './public/HomePage';
import { LoginPage } from './public/LoginPage';
import { PolicyPage } from './public/PolicyPage';
import { StatusPage } from './public/StatusPage';
import { NotFoundPage } from './public/NotFoundPage';
import { matchPath, useLocation } from './router';

// The team desk is a separate chunk: reporters never download it.
const TeamApp = lazy(() => import('./team/TeamApp'));
// So is the advisory page, with its Markdown parser.
const AdvisoryPage = lazy(() => import('./public/AdvisoryPage'));

export function App() {
  const location = useLocation();
  const { pathname } = location;
  const first = useRef(true);

  useEffect(() => {
    // After a client-side navigation, screen reader and keyboard users start at the new page's heading.
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }, [pathname]);

  if (pathname === '/team' || pathname.startsWith('/team/')) {
    return (
      <Suspense fallback={<Layout area="team"><Loading what="the team desk" /></Layout>}>
        <TeamApp location={location} />
      </Suspense>
    );
  }
  let page;
  let params: Record<string, string> | null;
  if (pathname === '/' || pathname === '') page = <HomePage />;
  else if (pathname === '/login') page = <LoginPage next={location.search.get('next')} />;
  else if ((params = matchPath('/p/:project', pathname))) page = <PolicyPage key={params.project} slug={params.project!} />;
  else if (pathname === '/advisories') page = <AdvisoryListPage />;
  else if (pathname === '/hall-of-fame') page = <HallOfFamePage />;
  else if ((params = matchPath('/p/:project/advisories', pathname))) page = <AdvisoryListPage key={params.project} slug={params.project!} />;
  else if ((params = matchPath('/p/:project/advisories/:id', pathname)))
    page = (
      <Suspense fallback={<Loading what="the advisory" />}>
        <AdvisoryPage key={`${params.project}/${params.id}`} slug={params.project!} id={params.id!} />
      </Suspense>
    );
  else if ((params = matchPath('/p/:project/hall-of-fame', pathname))) page = <HallOfFamePage key={params.project} slug={params.project!} />;
  else if ((params = matchPath('/r/:id', pathname))) page = <StatusPage key={params.id} id={params.id!} justSubmitted={(location.state as { submitted?: boolean } | null)?.submitted === true} />;
  else page = <NotFoundPage />;
  return (
    <Layout area="public" nav={<PublicNav pathname={pathname} />}>
      {page}
    </Layout>
  );
}
