import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { api, query } from '../api/client';
import type { QueueItem, QueuePage, ReportState } from '../api/types';
import { ErrorNotice, Loading } from '../components/Notice';
import { countdown, formatDate, OPEN_STATES, STATE_LABELS } from '../lib/format';
import { useNow } from '../lib/useApi';
import { Link, navigate, usePageTitle, type Location } from '../router';
import { handlerName, useTeam } from './context';

const PAGE_SIZE = 100;
type Filters = { project: string; state: string; severity: string; handler: string; overdue: string; q: string };

function filtersFrom(search: URLSearchParams): Filters {
  return {
    project: search.get('project') ?? '',
    state: search.get('state') ?? 'open',
    severity: search.get('severity') ?? '',
    handler: search.get('handler') ?? '',
    overdue: search.get('overdue') ?? '',
    q: search.get('q') ?? '',
  };
}

function apiQuery(filters: Filters, cursor: string | null): string {
  const state = filters.state === 'open' ? OPEN_STATES.join(',') : filters.state === 'all' ? undefined : filters.state;
  return query({ project: filters.project, state, severity: filters.severity, handler: filters.handler, overdue: filters.overdue, q: filters.q.trim(), limit: PAGE_SIZE, cursor });
}

type Rows = { items: QueueItem[]; nextCursor: string | null; loading: boolean; error: unknown };

export function InboxPage({ location }: { location: Location }) {
  usePageTitle('Inbox');
  const team = useTeam();
  const now = useNow(30_000);
  const filters = filtersFrom(location.search);
  const key = apiQuery(filters, null);
  const [rows, setRows] = useState<Rows>({ items: [], nextCursor: null, loading: true, error: null });
  const [search, setSearch] = useState(filters.q);
  const searchRef = useRef<HTMLInputElement>(null);
  const bodyRef = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    setRows((previous) => ({ ...previous, loading: true, error: null }));
    api<QueuePage>(`/api/v1/reports${key}`, { signal: controller.signal }).then(
      (page) => setRows({ items: page.items, nextCursor: page.nextCursor, loading: false, error: null }),
      (error: unknown) => !controller.signal.aborted && setRows({ items: [], nextCursor: null, loading: false, error }),
    );
    return () => controller.abort();
  }, [key]);

  // "/" jumps to the search box from anywhere on the page, as in most mail and issue trackers.
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) {
        event.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  async function loadMore() {
    if (!rows.nextCursor) return;
    setRows((previous) => ({ ...previous, loading: true }));
    try {
      const page = await api<QueuePage>(`/api/v1/reports${apiQuery(filters, rows.nextCursor)}`);
      setRows((previous) => ({ items: [...previous.items, ...page.items], nextCursor: page.nextCursor, loading: false, error: null }));
    } catch (error) {
      setRows((previous) => ({ ...previous, loading: false, error }));
    }
  }

  function update(change: Partial<Filters>) {
    const next = { ...filters, ...change };
    const params = query({ project: next.project, state: next.state === 'open' ? '' : next.state, severity: next.severity, handler: next.handler, overdue: next.overdue, q: next.q.trim() });
    navigate(`/team${params}`, { replace: true });
  }

  function onSearch(event: FormEvent) {
    event.preventDefault();
    update({ q: search });
  }

  /** Arrow keys or j/k move between reports, Enter opens one (the focused link). */
  function onRowKey(event: KeyboardEvent<HTMLTableSectionElement>) {
    const links = [...(bodyRef.current?.querySelectorAll<HTMLAnchorElement>('a[data-row]') ?? [])];
    const index = links.indexOf(document.activeElement as HTMLAnchorElement);
    let target = -1;
    if (event.key === 'ArrowDown' || event.key === 'j') target = Math.min(links.length - 1, index + 1);
    else if (event.key === 'ArrowUp' || event.key === 'k') target = Math.max(0, index - 1);
    else if (event.key === 'Home') target = 0;
    else if (event.key === 'End') target = links.length - 1;
    if (target >= 0 && links[target]) {
      event.preventDefault();
      links[target]?.focus();
    }
  }

  const severities = [...new Map(team.projects.flatMap((project) => project.severityLevels).map((level) => [level.id, level.name])).entries()];
  const states: { value: string; label: string }[] = [
    { value: 'open', label: 'Open (all open states)' },
    { value: 'all', label: 'All, closed included' },
    ...(Object.keys(STATE_LABELS) as ReportState[]).map((state) => ({ value: state, label: STATE_LABELS[state] })),
  ];

  return (
    <>
      <div className="page-head">
        <h1>Inbox</h1>
        <p className="muted small">
          Soonest deadline first. Keys: <kbd>/</kbd> search, <kbd>↑</kbd>/<kbd>↓</kbd> or <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> open.
        </p>
      </div>
      <form className="filters" onSubmit={onSearch} role="search" aria-label="Filter reports">
        <div className="field field--inline">
          <label htmlFor="f-q">Search titles</label>
          <input id="f-q" ref={searchRef} type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="words or report id" />
        </div>
        <div className="field field--inline">
          <label htmlFor="f-project">Project</label>
          <select id="f-project" value={filters.project} onChange={(event) => update({ project: event.target.value, severity: '' })}>
            <option value="">All my projects</option>
            {team.projects.map((project) => (
              <option key={project.slug} value={project.slug}>
                {project.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--inline">
          <label htmlFor="f-state">State</label>
          <select id="f-state" value={filters.state} onChange={(event) => update({ state: event.target.value })}>
            {states.map((state) => (
              <option key={state.value} value={state.value}>
                {state.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--inline">
          <label htmlFor="f-severity">Severity</label>
          <select id="f-severity" value={filters.severity} onChange={(event) => update({ severity: event.target.value })}>
            <option value="">Any</option>
            {(filters.project ? (team.projectBySlug(filters.project)?.severityLevels.map((level) => [level.id, level.name] as const) ?? []) : severities).map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--inline">
          <label htmlFor="f-handler">Handler</label>
          <select id="f-handler" value={filters.handler} onChange={(event) => update({ handler: event.target.value })}>
            <option value="">Anyone</option>
            <option value="me">Me</option>
            <option value="none">Unassigned</option>
          </select>
        </div>
        <div className="checkbox checkbox--inline">
          <input id="f-overdue" type="checkbox" checked={filters.overdue === 'true'} onChange={(event) => update({ overdue: event.target.checked ? 'true' : '' })} />
          <label htmlFor="f-overdue">Overdue only</label>
        </div>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      <ErrorNotice error={rows.error} />
      <p className="muted small" role="status" aria-live="polite">
        {rows.loading && rows.items.length === 0 ? 'Loading reports…' : `${rows.items.length}${rows.nextCursor ? '+' : ''} report${rows.items.length === 1 ? '' : 's'}`}
      </p>
      {rows.items.length > 0 ? (
        <table className="table inbox">
          <caption className="visually-hidden">Reports, soonest deadline first</caption>
          <thead>
            <tr>
              <th scope="col">Report</th>
              <th scope="col">Project</th>
              <th scope="col">State</th>
              <th scope="col">Severity</th>
              <th scope="col">Handler</th>
              <th scope="col">Next deadline</th>
            </tr>
          </thead>
          <tbody ref={bodyRef} onKeyDown={onRowKey}>
            {rows.items.map((item) => {
              const due = countdown(item.nextDueAt, now);
              const overdue = item.overdue || due.overdue;
              return (
                <tr key={item.id} className={overdue ? 'is-overdue' : undefined}>
                  <td data-label="Report">
                    <Link to={`/team/reports/${item.id}`} data-row="" className="inbox__title">
                      {item.title}
                    </Link>
                    <span className="muted small"> received {formatDate(item.receivedAt)}</span>
                  </td>
                  <td data-label="Project">{team.projectBySlug(item.project)?.name ?? item.project}</td>
                  <td data-label="State">
                    <span className={`badge badge--state badge--${item.state}`}>{STATE_LABELS[item.state] ?? item.state}</span>
                  </td>
                  <td data-label="Severity">{item.severity ?? <span className="muted">unrated</span>}</td>
                  <td data-label="Handler">{handlerName(team, item.handlerId)}</td>
                  <td data-label="Next deadline" className={overdue ? 'overdue' : undefined}>
                    {item.nextDueAt ? <time dateTime={item.nextDueAt}>{due.text}</time> : <span className="muted">none running</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : rows.loading ? (
        <Loading what="reports" />
      ) : (
        <p>No reports match these filters.</p>
      )}
      {rows.nextCursor ? (
        <button type="button" className="button" onClick={loadMore} disabled={rows.loading}>
          {rows.loading ? 'Loading…' : `Load ${PAGE_SIZE} more`}
        </button>
      ) : null}
    </>
  );
}
