/** How the console's pages print times and sizes, so every page says them the same way. */

/** "12 s ago", "3 min ago", … then the date: how long since an agent was last heard from. */
export function ago(date: Date | null, now: number): string {
  if (!date) return "never";
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return date.toLocaleDateString();
}

/** Bytes in binary units (MiB, GiB) as `docker stats` prints them. */
export function bytes(value: bigint | number | null): string {
  if (value === null) return "—";
  const amount = Number(value);
  if (amount >= 1024 ** 3) return `${(amount / 1024 ** 3).toFixed(1)} GiB`;
  if (amount >= 1024 ** 2) return `${(amount / 1024 ** 2).toFixed(1)} MiB`;
  if (amount >= 1024) return `${(amount / 1024).toFixed(1)} KiB`;
  return `${amount} B`;
}
