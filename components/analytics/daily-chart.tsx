"use client";

import type { ReactNode } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Card } from "@/components/ui";
import { formatCount, longDay, shortDay } from "./format";
import "./charts.css";

export interface Series {
  key: string;
  label: string;
  /** A CSS colour, normally var(--chart-...) so both themes work. */
  color: string;
  /** Dash pattern for lines, so series differ by more than colour. */
  dash?: string;
}

type Row = { day: string };

const axisTick = { fill: "var(--muted)", fontSize: 12 };
const tooltipStyle = {
  contentStyle: {
    background: "var(--surface-2)",
    border: "1px solid var(--border)",
    borderRadius: 8,
    color: "var(--text)",
    fontSize: 13,
  },
  labelStyle: { color: "var(--text)", fontWeight: 600 },
  itemStyle: { color: "var(--text)", padding: 0 },
};

/**
 * One chart of daily values, with a caption that states the totals in words and a table
 * with every figure behind a "Show as table" toggle (the accessible alternative to the picture).
 */
export function DailyChart({
  title,
  summary,
  data,
  series,
  kind,
  stacked = false,
  format = formatCount,
  axisFormat,
}: {
  title: string;
  summary: ReactNode;
  data: Row[];
  series: Series[];
  kind: "line" | "bar";
  stacked?: boolean;
  format?: (n: number) => string;
  axisFormat?: (n: number) => string;
}) {
  const common = {
    data,
    margin: { top: 8, right: 8, bottom: 0, left: 0 },
    accessibilityLayer: true,
  };
  const axes = (
    <>
      <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="day" tickFormatter={shortDay} tick={axisTick} stroke="var(--border)" minTickGap={20} tickMargin={6} />
      <YAxis
        tick={axisTick}
        stroke="var(--border)"
        width={52}
        allowDecimals={false}
        tickFormatter={axisFormat ?? ((n: number) => formatCount(n))}
      />
      <Tooltip
        {...tooltipStyle}
        cursor={kind === "bar" ? { fill: "var(--surface-3)", opacity: 0.5 } : { stroke: "var(--muted)" }}
        labelFormatter={(d) => longDay(String(d))}
        formatter={(v) => format(Number(v))}
      />
      {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 13, color: "var(--text)" }} iconType={kind === "bar" ? "square" : "plainline"} itemSorter={(item) => series.findIndex((s) => s.key === item.dataKey)} /> : null}
    </>
  );

  return (
    <Card className="min-w-0">
      <figure className="m-0">
        <h2 className="text-base font-semibold">{title}</h2>
        <figcaption className="mt-1 text-sm text-muted">{summary}</figcaption>
        <div className="mt-4 h-60 w-full sm:h-72">
          <ResponsiveContainer width="100%" height="100%">
            {kind === "line" ? (
              <LineChart {...common}>
                {axes}
                {series.map((s) => (
                  <Line
                    key={s.key}
                    type="monotone"
                    dataKey={s.key}
                    name={s.label}
                    stroke={s.color}
                    strokeWidth={2}
                    strokeDasharray={s.dash}
                    dot={data.length <= 31 ? { r: 2, fill: s.color } : false}
                    activeDot={{ r: 4 }}
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            ) : (
              <BarChart {...common}>
                {axes}
                {series.map((s) => (
                  <Bar
                    key={s.key}
                    dataKey={s.key}
                    name={s.label}
                    fill={s.color}
                    stackId={stacked ? "stack" : undefined}
                    radius={stacked ? 0 : [3, 3, 0, 0]}
                    isAnimationActive={false}
                  />
                ))}
              </BarChart>
            )}
          </ResponsiveContainer>
        </div>
      </figure>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer text-muted hover:text-text">Show as table</summary>
        <div className="mt-2 max-h-72 overflow-auto rounded-lg border border-border" tabIndex={0} role="region" aria-label={`${title}, per day`}>
          <table className="w-full text-left text-sm">
            <caption className="sr-only">{title}, per day</caption>
            <thead className="sticky top-0 bg-surface-2 text-xs text-muted">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">
                  Day
                </th>
                {series.map((s) => (
                  <th key={s.key} scope="col" className="px-3 py-2 text-right font-medium">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.map((row) => (
                <tr key={row.day} className="border-t border-border">
                  <th scope="row" className="px-3 py-1.5 font-normal whitespace-nowrap">
                    {longDay(row.day)}
                  </th>
                  {series.map((s) => (
                    <td key={s.key} className="px-3 py-1.5 text-right tabular-nums">
                      {format(Number((row as Record<string, unknown>)[s.key] ?? 0))}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </Card>
  );
}
