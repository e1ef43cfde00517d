// npm run db:migrate — applies supabase/migrations to DATABASE_URL (or the embedded database).
import { ensureDatabase } from "../lib/runtime/bootstrap";

const db = await ensureDatabase();
const { applied, skipped } = db.migrated;
console.log(
  applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}.` : "Database is up to date.",
  `${skipped} already applied.`,
);
await db.stop();
