"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../../lib/trpc.ts";
import {
  Badge,
  Button,
  ErrorMessage,
  Field,
  Input,
  PageHeader,
  Select,
  Table,
} from "../../_components/ui.tsx";

type Result = "ok" | "denied" | "error";

/** A short "key=value" summary of what the call asked for (secrets were redacted when recorded). */
function inputSummary(detail: unknown): string {
  const input = (detail as { input?: unknown } | null)?.input;
  if (!input || typeof input !== "object") return "";
  return Object.entries(input)
    .filter(([, value]) => value !== null && typeof value !== "object")
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(" ");
}
const tones = { ok: "good", denied: "bad", error: "warn" } as const;

export default function AuditPage() {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<{ action: string; actor: string; result: Result | "" }>({
    action: "",
    actor: "",
    result: "",
  });
  const input = {
    limit: 100,
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.actor ? { actor: filter.actor } : {}),
    ...(filter.result ? { result: filter.result } : {}),
  };
  const events = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor }),
  );
  const chain = useQuery(trpc.audit.verify.queryOptions());
  const csv = `/api/audit.csv?${new URLSearchParams(
    Object.entries(input)
      .filter(([k]) => k !== "limit")
      .map(([k, v]) => [k, String(v)]),
  )}`;
  const rows = events.data?.pages.flatMap((page) => page.events) ?? [];
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every state-changing call and every denied attempt. Append-only and hash-chained."
        actions={
          <>
            {chain.data && (
              <Badge tone={chain.data.ok ? "good" : "bad"}>
                {chain.data.ok
                  ? `chain intact (${chain.data.checked})`
                  : `chain broken at #${chain.data.brokenAt}`}
              </Badge>
            )}
            <a href={csv} className="rounded-md border border-zinc-700 px-3 py-1.5 text-sm hover:bg-zinc-800">
              Export CSV
            </a>
          </>
        }
      />
      <div className="mb-4 flex flex-wrap items-end gap-2">
        <Field label="Action">
          <Input
            value={filter.action}
            onChange={(e) => setFilter({ ...filter, action: e.target.value })}
            placeholder="users."
          />
        </Field>
        <Field label="Actor">
          <Input
            value={filter.actor}
            onChange={(e) => setFilter({ ...filter, actor: e.target.value })}
            placeholder="email"
          />
        </Field>
        <Field label="Result">
          <Select
            value={filter.result}
            onChange={(e) => setFilter({ ...filter, result: e.target.value as Result | "" })}
          >
            <option value="">Any</option>
            <option value="ok">ok</option>
            <option value="denied">denied</option>
            <option value="error">error</option>
          </Select>
        </Field>
      </div>
      <ErrorMessage error={events.error} />
      <Table
        head={["When", "Actor", "Action", "Target", "Result", "From"]}
        empty={rows.length === 0 ? "Nothing matches." : undefined}
      >
        {rows.map((event) => (
          <tr key={event.id} data-testid="audit-row">
            <td className="whitespace-nowrap px-4 py-2 text-zinc-400">{event.at.toLocaleString()}</td>
            <td className="px-4 py-2">{event.actorName ?? event.actorType}</td>
            <td className="px-4 py-2 font-mono text-xs">{event.action}</td>
            <td className="px-4 py-2 text-zinc-300">
              {event.targetType ? `${event.targetType} ${event.targetId}` : "—"}
              <div
                className="max-w-md truncate font-mono text-xs text-zinc-500"
                title={inputSummary(event.detail)}
              >
                {inputSummary(event.detail)}
              </div>
            </td>
            <td className="px-4 py-2">
              <Badge tone={tones[event.result as Result] ?? "neutral"}>{event.result}</Badge>
            </td>
            <td className="px-4 py-2 text-zinc-400">{event.ip}</td>
          </tr>
        ))}
      </Table>
      {events.hasNextPage && (
        <div className="mt-4 text-center">
          <Button
            variant="secondary"
            onClick={() => events.fetchNextPage()}
            disabled={events.isFetchingNextPage}
          >
            Load more
          </Button>
        </div>
      )}
    </>
  );
}
