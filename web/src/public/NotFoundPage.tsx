import { Link, usePageTitle } from '../router';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link to="/">See the projects that take reports here</Link>.
      </p>
    </>
  );
}
