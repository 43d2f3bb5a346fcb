import { api, query } from '../api/client';
import type { Metrics } from '../api/types';
import { ErrorNotice, Loading } from '../components/Notice';
import { hoursText } from '../lib/format';
import { useApi } from '../lib/useApi';
import { navigate, usePageTitle, type Location } from '../router';
import { BarChart, LineChart } from './charts';
import { useTeam } from './context';

const TONES = ['t1', 't2', 't3', 't4', 't5', 't6'];
const STAGES = [
  { key: 'acknowledge', title: 'Time to acknowledge' },
  { key: 'assess', title: 'Time to assess' },
  { key: 'fix', title: 'Time to fix' },
] as const;

export function MetricsPage({ location }: { location: Location }) {
  usePageTitle('Metrics');
  const team = useTeam();
  const project = location.search.get('project') ?? '';
  const months = Number(location.search.get('months') ?? '12') || 12;
  const params = query({ project, months });
  const metrics = useApi(`metrics${params}`, (signal) => api<Metrics>(`/api/v1/metrics${params}`, { signal }));
  const update = (change: { project?: string; months?: number }) => navigate(`/team/metrics${query({ project, months, ...change })}`, { replace: true });
  const m = metrics.data;
  const labels = m?.months.map((row) => row.month) ?? [];
  const severities = m ? [...new Set(m.open.rows.map((row) => row.severity ?? 'unrated'))] : [];

  return (
    <>
      <h1>Metrics</h1>
      <form className="filters" aria-label="Metrics scope" onSubmit={(event) => event.preventDefault()}>
        <div className="field field--inline">
          <label htmlFor="m-project">Project</label>
          <select id="m-project" value={project} onChange={(event) => update({ project: event.target.value })}>
            <option value="">All my projects</option>
            {team.projects.map((item) => (
              <option key={item.slug} value={item.slug}>
                {item.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--inline">
          <label htmlFor="m-months">Period</label>
          <select id="m-months" value={months} onChange={(event) => update({ months: Number(event.target.value) })}>
            {[3, 6, 12, 24, 36].map((count) => (
              <option key={count} value={count}>
                Last {count} months
              </option>
            ))}
          </select>
        </div>
        <a className="button" href={`/api/v1/metrics.csv${params}`} download>
          Download CSV
        </a>
      </form>
      {metrics.loading && !m ? <Loading what="metrics" /> : null}
      <ErrorNotice error={metrics.error} />
      {m ? (
        <>
          <div className="stats">
            <div className="stat">
              <span className="stat__value">{m.deadlines.share === null ? '—' : `${Math.round(m.deadlines.share * 100)} %`}</span>
              <span className="stat__label">
                deadlines met on time ({m.deadlines.met} of {m.deadlines.due})
              </span>
            </div>
            <div className="stat">
              <span className="stat__value">{m.open.total}</span>
              <span className="stat__label">open reports</span>
            </div>
            <div className="stat">
              <span className="stat__value">{m.months.reduce((sum, row) => sum + row.received, 0)}</span>
              <span className="stat__label">reports received in the period</span>
            </div>
          </div>
          <p className="muted small">Response times are grouped by the month a report was received (UTC). Median and 90th percentile: 9 in 10 reports were faster than the p90 line.</p>
          <div className="chart-grid">
            {STAGES.map((stage) => (
              <section key={stage.key} aria-labelledby={`chart-${stage.key}`} className="panel">
                <h2 id={`chart-${stage.key}`}>{stage.title}</h2>
                <LineChart
                  title={`${stage.title} per month, median and 90th percentile, in hours`}
                  labels={labels}
                  format={(value) => hoursText(value)}
                  series={[
                    { name: 'Median', tone: 't1', values: m.months.map((row) => row[stage.key].p50Hours) },
                    { name: '90th percentile', tone: 't3', values: m.months.map((row) => row[stage.key].p90Hours) },
                  ]}
                />
              </section>
            ))}
            <section aria-labelledby="chart-deadlines" className="panel">
              <h2 id="chart-deadlines">Deadlines met on time</h2>
              <BarChart
                title="Share of deadlines met on time per month, in percent"
                labels={labels}
                max={100}
                format={(value) => `${Math.round(value)} %`}
                series={[{ name: 'Met on time', tone: 't2', values: m.months.map((row) => (row.deadlinesDue === 0 ? null : (row.deadlinesMet / row.deadlinesDue) * 100)) }]}
              />
            </section>
            <section aria-labelledby="chart-open" className="panel">
              <h2 id="chart-open">Open reports by age and severity</h2>
              <BarChart
                title="Open reports by age since receipt, stacked by severity"
                labels={m.open.ageBuckets}
                integer
                format={(value) => String(Math.round(value))}
                series={severities.map((severity, index) => ({
                  name: severity,
                  tone: TONES[index % TONES.length]!,
                  values: m.open.ageBuckets.map((bucket) => m.open.rows.filter((row) => (row.severity ?? 'unrated') === severity && row.ageBucket === bucket).reduce((sum, row) => sum + row.count, 0)),
                }))}
              />
            </section>
          </div>
          <details className="details panel">
            <summary>The numbers as a table</summary>
            <div className="table-scroll" tabIndex={0} role="region" aria-label="Metrics per month">
              <table className="table table--compact">
                <thead>
                  <tr>
                    <th scope="col">Month</th>
                    <th scope="col">Received</th>
                    <th scope="col">Acknowledge p50 / p90</th>
                    <th scope="col">Assess p50 / p90</th>
                    <th scope="col">Fix p50 / p90</th>
                    <th scope="col">Deadlines met</th>
                  </tr>
                </thead>
                <tbody>
                  {m.months.map((row) => (
                    <tr key={row.month}>
                      <th scope="row">{row.month}</th>
                      <td>{row.received}</td>
                      <td>
                        {hoursText(row.acknowledge.p50Hours)} / {hoursText(row.acknowledge.p90Hours)}
                      </td>
                      <td>
                        {hoursText(row.assess.p50Hours)} / {hoursText(row.assess.p90Hours)}
                      </td>
                      <td>
                        {hoursText(row.fix.p50Hours)} / {hoursText(row.fix.p90Hours)}
                      </td>
                      <td>
                        {row.deadlinesMet} of {row.deadlinesDue}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      ) : null}
    </>
  );
}
