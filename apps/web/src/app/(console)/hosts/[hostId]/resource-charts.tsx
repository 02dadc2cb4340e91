"use client";
/** CPU and memory of the host's running containers over the last minutes, one line per busiest container. */
import { useMemo } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { bytes } from "../../../_components/format.ts";
import { Card, ErrorMessage } from "../../../_components/ui.tsx";
import { type ChartRow, chartRows, rankSeries, type Series, type Sweep } from "./stats-history.ts";

/** Lines of their own; the rest are summed as "others" so the chart stays readable on a busy host. */
const shownContainers = 8;
const palette = [
  "#38bdf8",
  "#34d399",
  "#fbbf24",
  "#f472b6",
  "#a78bfa",
  "#fb923c",
  "#4ade80",
  "#f87171",
  "#a1a1aa",
];
const axis = { stroke: "#71717a", fontSize: 11 };

const time = (at: number) => new Date(at).toLocaleTimeString();
const percent = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} %`;

function UsageChart({
  label,
  rows,
  series,
  format,
}: {
  label: string;
  rows: ChartRow[];
  series: Series[];
  format(value: number): string;
}) {
  return (
    <figure aria-label={label} data-testid={`chart-${label}`}>
      <figcaption className="mb-2 text-xs font-medium uppercase tracking-wide text-zinc-400">
        {label}
      </figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid stroke="#27272a" vertical={false} />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={time}
            {...axis}
          />
          <YAxis tickFormatter={format} width={72} {...axis} />
          <Tooltip
            labelFormatter={(at) => time(Number(at))}
            formatter={(value) => (typeof value === "number" ? format(value) : "—")}
            contentStyle={{ background: "#18181b", border: "1px solid #3f3f46", fontSize: 12 }}
          />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {series.map((line, index) => (
            <Line
              key={line.id}
              dataKey={line.id}
              name={line.name}
              stroke={palette[index % palette.length]}
              dot={rows.length === 1}
              strokeWidth={1.5}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function ResourceCharts({
  history,
  live,
  error,
}: {
  history: Sweep[];
  live: boolean;
  error: { message: string } | null;
}) {
  const { series, cpu, memory } = useMemo(() => {
    const series = rankSeries(history, shownContainers);
    return { series, ...chartRows(history, series) };
  }, [history]);
  return (
    <Card
      title="Resource usage"
      actions={
        <span className="text-xs text-zinc-500">
          {live ? "live, every 2 s, last 5 minutes" : "paused while this tab is hidden"}
        </span>
      }
    >
      <ErrorMessage error={error} />
      <div data-testid="resource-charts" data-sweeps={history.length} className="grid gap-6 lg:grid-cols-2">
        {history.length === 0 ? (
          <p className="text-sm text-zinc-500">Waiting for the first sample…</p>
        ) : (
          <>
            <UsageChart label="CPU" rows={cpu} series={series} format={percent} />
            <UsageChart label="Memory" rows={memory} series={series} format={bytes} />
          </>
        )}
      </div>
    </Card>
  );
}
