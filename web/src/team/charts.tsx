/**
 * Small SVG charts drawn by hand (no chart library: a few hundred lines of SVG are lighter than any
 * dependency). Colours come from classes in styles.css, so the strict CSP needs no inline styles.
 * Every chart is described by its aria-label and the numbers are also given as a table on the page.
 */

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 36, left: 48 };

function niceMax(value: number, integer = false): number {
  if (value <= 0) return 1;
  if (integer && value <= 4) return Math.ceil(value);
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= value)!;
  return step * magnitude;
}

/** Four steps, or one per unit when the axis counts a few things (no "1, 1, 2, 2" labels). */
function ticks(max: number): number[] {
  const count = Number.isInteger(max) && max < 4 ? max : 4;
  return Array.from({ length: count + 1 }, (_, index) => (max / count) * index);
}

const plotWidth = WIDTH - PAD.left - PAD.right;
const plotHeight = HEIGHT - PAD.top - PAD.bottom;

function Empty() {
  return (
    <text x={PAD.left + plotWidth / 2} y={PAD.top + plotHeight / 2} textAnchor="middle" className="chart__empty">
      No data in this period
    </text>
  );
}

function Axes({ labels, max, format }: { labels: string[]; max: number; format: (value: number) => string }) {
  const every = Math.ceil(labels.length / 8);
  // Count back from the last label, so the most recent period is always named.
  const shown = (index: number) => (labels.length - 1 - index) % every === 0;
  const step = plotWidth / Math.max(1, labels.length);
  return (
    <g className="chart__axes">
      {ticks(max).map((tick) => {
        const y = PAD.top + plotHeight - (tick / max) * plotHeight;
        return (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y} y2={y} className="chart__grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end" className="chart__tick">
              {format(tick)}
            </text>
          </g>
        );
      })}
      {labels.map((label, index) =>
        shown(index) ? (
          <text key={label} x={PAD.left + step * index + step / 2} y={HEIGHT - PAD.bottom + 16} textAnchor="middle" className="chart__tick">
            {label}
          </text>
        ) : null,
      )}
    </g>
  );
}

export type Series = { name: string; tone: string; values: (number | null)[] };

export function LineChart({ title, labels, series, format }: { title: string; labels: string[]; series: Series[]; format: (value: number) => string }) {
  const known = series.flatMap((line) => line.values.filter((value): value is number => value !== null));
  const max = niceMax(Math.max(0, ...known));
  const step = plotWidth / Math.max(1, labels.length);
  const x = (index: number) => PAD.left + step * index + step / 2;
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        <Axes labels={labels} max={max} format={format} />
        {known.length === 0 ? <Empty /> : null}
        {series.map((line) => {
          // A month without data breaks the line rather than pretending to a value.
          const segments: [number, number][][] = [];
          let current: [number, number][] = [];
          line.values.forEach((value, index) => {
            if (value === null) {
              if (current.length > 0) segments.push(current);
              current = [];
            } else current.push([x(index), y(value)]);
          });
          if (current.length > 0) segments.push(current);
          return (
            <g key={line.name} className={`chart__series chart__series--${line.tone}`}>
              {segments.map((points) => (
                <polyline key={points[0]!.join(',')} points={points.map((point) => point.join(',')).join(' ')} className="chart__line" />
              ))}
              {line.values.map((value, index) =>
                value === null ? null : (
                  <circle key={labels[index]} cx={x(index)} cy={y(value)} r={3.5} className="chart__point">
                    <title>{`${line.name}, ${labels[index]}: ${format(value)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

export function Legend({ series }: { series: { name: string; tone: string }[] }) {
  return (
    <ul className="legend">
      {series.map((item) => (
        <li key={item.name}>
          <span className={`legend__swatch chart__series--${item.tone}`} aria-hidden="true" />
          {item.name}
        </li>
      ))}
    </ul>
  );
}

/** Bars stacked from several series (one bar per label). A single series gives plain bars. */
export function BarChart({ title, labels, series, format, max: fixedMax, integer = false }: { title: string; labels: string[]; series: Series[]; format: (value: number) => string; max?: number; integer?: boolean }) {
  const totals = labels.map((_, index) => series.reduce((sum, line) => sum + (line.values[index] ?? 0), 0));
  const max = fixedMax ?? niceMax(Math.max(0, ...totals), integer);
  const empty = series.every((line) => line.values.every((value) => value === null || value === 0));
  const step = plotWidth / Math.max(1, labels.length);
  const barWidth = Math.min(48, step * 0.7);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        <Axes labels={labels} max={max} format={format} />
        {empty ? <Empty /> : null}
        {labels.map((label, index) => {
          let base = 0;
          return (
            <g key={label}>
              {series.map((line) => {
                const value = line.values[index] ?? 0;
                if (value <= 0) return null;
                const height = (value / max) * plotHeight;
                const top = PAD.top + plotHeight - ((base + value) / max) * plotHeight;
                base += value;
                return (
                  <rect key={line.name} x={PAD.left + step * index + (step - barWidth) / 2} y={top} width={barWidth} height={height} className={`chart__bar chart__series--${line.tone}`}>
                    <title>{`${label}, ${line.name}: ${format(value)}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      {series.length > 1 ? <Legend series={series} /> : null}
    </figure>
  );
}
