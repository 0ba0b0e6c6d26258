//! The budget ledger in SQL, shared by SQLite and Postgres.
//!
//! Every change is one write transaction (SQLite: `BEGIN IMMEDIATE`, so writers queue; Postgres:
//! row locks). Spend rows are always locked in one fixed order — sorted by scope, then period —
//! so concurrent multi-scope reserves, settles and reclaims cannot deadlock: each scope's row is
//! changed by its own statement, in that order. A reserve is a guarded
//! `UPDATE … SET reserved = reserved + amount WHERE spent + reserved + amount <= limit RETURNING`
//! per scope (a missing row is first created with `INSERT … ON CONFLICT DO NOTHING`), rolled back
//! unless every scope took it. A settled or released hold's row is deleted;
//! a hold whose lease lapsed stays as `lapsed` until its period is over, so a late settle still
//! counts its spend (in place of the amount the reclaim counted for an in-flight hold). A reserve
//! whose caller went away is cancelled with a `lapsed` row of nothing under its id, so a write
//! still on its way fails on the primary key instead of leaving a hold nobody owns.

use super::{Arg, Sql, SqlBackend, SqlStore, col, db_error, to_u64};
use crate::budget::{
    BudgetLedger, PeriodWindow, ReservationId, ReserveRequest, Scope, ScopeUsage, SettleOutcome, distinct_scopes,
};
use crate::error::{BudgetExceeded, Error, Result};
use crate::money::Usd;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A hold read back from `budget_reservations`.
struct Hold {
    scopes: Vec<Scope>,
    window: PeriodWindow,
    amount: Usd,
    held: bool,
    in_flight: bool,
    /// What a reclaim counted as spent for this lapsed hold.
    counted: Usd,
}

fn scopes_json(scopes: &[Scope]) -> Result<String> {
    let keys: Vec<String> = scopes.iter().map(Scope::as_key).collect();
    serde_json::to_string(&keys)
        .map_err(|e| Error::storage(format!("cannot store reservation scopes: {e}")).with_source(e))
}

fn hold_from_row<DB: SqlBackend>(r: &DB::Row) -> Result<Hold> {
    let text = col(DB::text(r, "scopes"))?;
    let keys: Vec<String> = serde_json::from_str(&text).map_err(|e| {
        Error::storage(format!("stored reservation scopes `{text}` are unreadable: {e}")).with_source(e)
    })?;
    let scopes = keys
        .iter()
        .map(|k| Scope::parse(k).ok_or_else(|| Error::storage(format!("stored scope `{k}` is not a budget scope"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(Hold {
        scopes,
        window: PeriodWindow { start: col(DB::time(r, "period_start"))?, end: col(DB::time(r, "period_end"))? },
        amount: Usd::from_nanos(col(DB::int(r, "amount"))?),
        held: col(DB::text(r, "state"))? == "held",
        in_flight: col(DB::int(r, "in_flight"))? != 0,
        counted: Usd::from_nanos(col(DB::int(r, "counted"))?),
    })
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Lowers `reserved` and `in_flight` of one spend row by holds that ended, and adds `spent`
/// to its spend (what a reclaim counts for holds in flight, or takes back: negative).
fn unhold(scope: &str, window: &PeriodWindow, amount: Usd, holds: i64, spent: Usd) -> Sql {
    Sql::new(
        "UPDATE budget_spend SET reserved = reserved - $1, spent = spent + $6, \
         in_flight = CASE WHEN in_flight >= $2 THEN in_flight - $2 ELSE 0 END \
         WHERE scope = $3 AND period_start = $4 AND period_end = $5",
    )
    .arg(Arg::Int(amount.nanos()))
    .arg(Arg::Int(holds))
    .arg(Arg::Text(scope.to_owned()))
    .arg(Arg::Time(window.start))
    .arg(Arg::Time(window.end))
    .arg(Arg::Int(spent.nanos()))
}

/// The columns a hold is read back with.
const HOLD_COLUMNS: &str = "scopes, period_start, period_end, amount, state, in_flight, counted";

impl<DB: SqlBackend> SqlStore<DB> {
    /// Gives a hold taken off the books back to its scopes: a held one's amount, and what a
    /// reclaim counted for a lapsed one (released: nothing was billed after all).
    async fn give_back(&self, conn: &mut DB::Conn, hold: &Hold) -> Result<()> {
        let (amount, holds, spent) = if hold.held {
            (hold.amount, 1, Usd::ZERO)
        } else if hold.counted > Usd::ZERO {
            (Usd::ZERO, 0, Usd::ZERO - hold.counted)
        } else {
            return Ok(());
        };
        let mut sorted: Vec<String> = hold.scopes.iter().map(Scope::as_key).collect();
        sorted.sort();
        for scope in sorted {
            DB::execute(conn, unhold(&scope, &hold.window, amount, holds, spent))
                .await
                .map_err(|e| db_error("releasing budget", e))?;
        }
        Ok(())
    }

    /// The guarded update: holds `req.amount` on `scope` if it has room; false otherwise (or
    /// when the scope has no row yet in this period).
    async fn take_room(&self, conn: &mut DB::Conn, req: &ReserveRequest, scope: &str, limit: Usd) -> Result<bool> {
        let guarded = Sql::new(
            "UPDATE budget_spend SET reserved = reserved + $1, in_flight = in_flight + 1 \
             WHERE scope = $2 AND period_start = $3 AND period_end = $4 AND spent + reserved + $1 <= $5 \
             RETURNING scope",
        )
        .arg(Arg::Int(req.amount.nanos()))
        .arg(Arg::Text(scope.to_owned()))
        .arg(Arg::Time(req.window.start))
        .arg(Arg::Time(req.window.end))
        .arg(Arg::Int(limit.nanos()));
        let rows = DB::fetch(conn, guarded).await.map_err(|e| db_error("reserving budget", e))?;
        Ok(!rows.is_empty())
    }

    /// The `budget_exceeded` error of a refused reserve, with the figures it saw.
    async fn exceeded(
        &self,
        conn: &mut DB::Conn,
        req: &ReserveRequest,
        limits: &BTreeMap<String, Usd>,
        failed: &str,
    ) -> Error {
        let mut sql = Sql::dynamic(format!(
            "SELECT scope, spent, reserved FROM budget_spend WHERE period_start = $1 AND period_end = $2 \
             AND scope IN ({})",
            placeholders(3, limits.len())
        ));
        sql.args.extend([Arg::Time(req.window.start), Arg::Time(req.window.end)]);
        sql.args.extend(limits.keys().map(|k| Arg::Text(k.clone())));
        let rows = match DB::fetch(conn, sql).await {
            Ok(rows) => rows,
            Err(e) => return db_error("reading budget figures", e),
        };
        let mut figures: BTreeMap<String, (Usd, Usd)> = BTreeMap::new();
        for r in &rows {
            let read = || -> Result<(String, Usd, Usd)> {
                Ok((
                    col(DB::text(r, "scope"))?,
                    Usd::from_nanos(col(DB::int(r, "spent"))?),
                    Usd::from_nanos(col(DB::int(r, "reserved"))?),
                ))
            };
            match read() {
                Ok((scope, spent, reserved)) => {
                    figures.insert(scope, (spent, reserved));
                }
                Err(e) => return e,
            }
        }
        // Scopes sorted before the one that failed already hold this request's amount in this
        // transaction: their figures are read as they were before it.
        for (scope, (_, reserved)) in figures.iter_mut() {
            if scope.as_str() < failed {
                *reserved = *reserved - req.amount;
            }
        }
        let first = req
            .scopes
            .iter()
            .map(|sl| sl.scope.as_key())
            .find(|k| {
                let (spent, reserved) = figures.get(k).copied().unwrap_or_default();
                let limit = limits.get(k).copied().unwrap_or(Usd::ZERO);
                spent + reserved + req.amount > limit
            })
            .unwrap_or_else(|| failed.to_owned());
        let (spent, reserved) = figures.get(&first).copied().unwrap_or_default();
        Error::BudgetExceeded(Box::new(BudgetExceeded {
            limit: limits.get(&first).copied().unwrap_or(Usd::ZERO),
            scope: first,
            spent,
            reserved,
            requested: req.amount,
            period_start: req.window.start,
            period_end: req.window.end,
            remaining_days: req.window.remaining_days(req.now),
        }))
    }

    /// Deletes the reservation row and returns the hold it described, if any.
    async fn take_hold(&self, conn: &mut DB::Conn, id: ReservationId) -> Result<Option<Hold>> {
        let sql = Sql::dynamic(format!("DELETE FROM budget_reservations WHERE id = $1 RETURNING {HOLD_COLUMNS}"))
            .arg(Arg::Text(id.to_string()));
        let rows = DB::fetch(conn, sql).await.map_err(|e| db_error("finishing a budget reservation", e))?;
        rows.first().map(hold_from_row::<DB>).transpose()
    }

    /// Whether some hold's lease lapsed by `now` (a cheap indexed probe before reclaiming).
    async fn has_lapsed(&self, now: DateTime<Utc>) -> Result<bool> {
        let sql = Sql::new("SELECT id FROM budget_reservations WHERE state = 'held' AND lease_until <= $1 LIMIT 1")
            .arg(Arg::Time(now));
        let mut c = self.reader().await?;
        Ok(!DB::fetch(&mut c, sql).await.map_err(|e| db_error("checking budget leases", e))?.is_empty())
    }

    /// Marks every hold whose lease lapsed by `now` as `lapsed`: an in-flight hold's amount
    /// moves from reserved to spent, any other's is given back. Forgets lapsed holds of periods
    /// over by `now`. Holds another process is finishing right now are skipped (they are not
    /// lapsed for long).
    async fn reclaim(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let forget =
            Sql::new("DELETE FROM budget_reservations WHERE state = 'lapsed' AND period_end <= $1").arg(Arg::Time(now));
        DB::execute(&mut tx, forget).await.map_err(|e| db_error("reclaiming budget leases", e))?;
        let sql = Sql::dynamic(format!(
            "SELECT id, {HOLD_COLUMNS} FROM budget_reservations \
             WHERE state = 'held' AND lease_until <= $1 ORDER BY id{}",
            DB::FOR_UPDATE_SKIP_LOCKED
        ))
        .arg(Arg::Time(now));
        let rows = DB::fetch(&mut tx, sql).await.map_err(|e| db_error("reclaiming budget leases", e))?;
        if rows.is_empty() {
            Self::commit(tx).await?;
            return Ok(0);
        }
        let mut ids = Vec::with_capacity(rows.len());
        let mut back: BTreeMap<(String, PeriodWindow), (Usd, i64, Usd)> = BTreeMap::new();
        for r in &rows {
            ids.push(col(DB::text(r, "id"))?);
            let hold = hold_from_row::<DB>(r)?;
            let counted = if hold.in_flight { hold.amount } else { Usd::ZERO };
            for s in &hold.scopes {
                let e = back.entry((s.as_key(), hold.window)).or_default();
                e.0 += hold.amount;
                e.1 += 1;
                e.2 += counted;
            }
        }
        for chunk in ids.chunks(500) {
            let mut mark = Sql::dynamic(format!(
                "UPDATE budget_reservations SET state = 'lapsed', \
                 counted = CASE WHEN in_flight <> 0 THEN amount ELSE 0 END WHERE id IN ({})",
                placeholders(1, chunk.len())
            ));
            mark.args.extend(chunk.iter().map(|id| Arg::Text(id.clone())));
            DB::execute(&mut tx, mark).await.map_err(|e| db_error("reclaiming budget leases", e))?;
        }
        for ((scope, window), (amount, holds, counted)) in back {
            DB::execute(&mut tx, unhold(&scope, &window, amount, holds, counted))
                .await
                .map_err(|e| db_error("reclaiming budget leases", e))?;
        }
        Self::commit(tx).await?;
        Ok(ids.len() as u64)
    }
}

#[async_trait]
impl<DB: SqlBackend> BudgetLedger for SqlStore<DB> {
    /// Holds `req.amount` on every scope, or on none (`budget_exceeded` names the first scope,
    /// in request order, without room). Reclaims lapsed leases first (looking for them at most
    /// once a second, see [`super::LeaseProbe`]).
    async fn reserve(&self, req: &ReserveRequest) -> Result<()> {
        self.bounded("reserve budget", async {
            if self.lease_probe.due(req.now) && self.has_lapsed(req.now).await? {
                self.reclaim(req.now).await?;
            }
            // One row per scope, locked in sorted order; a scope named twice keeps its lower limit.
            let mut limits: BTreeMap<String, Usd> = BTreeMap::new();
            let mut ordered: Vec<Scope> = Vec::with_capacity(req.scopes.len());
            for (scope, limit) in distinct_scopes(&req.scopes) {
                limits.insert(scope.as_key(), limit);
                ordered.push(scope.clone());
            }
            let (start, end) = (req.window.start, req.window.end);
            let mut tx = self.begin().await?;
            for (scope, limit) in &limits {
                // The row of a scope's first spend in a period is created on the way, in order.
                let mut took = self.take_room(&mut tx, req, scope, *limit).await?;
                if !took {
                    let insert = Sql::new(
                        "INSERT INTO budget_spend (scope, period_start, period_end) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .arg(Arg::Text(scope.clone()))
                    .arg(Arg::Time(start))
                    .arg(Arg::Time(end));
                    // Retried even if another transaction created the row first (it waited for that
                    // one to commit, so the retry sees the row).
                    DB::execute(&mut tx, insert).await.map_err(|e| db_error("reserving budget", e))?;
                    took = self.take_room(&mut tx, req, scope, *limit).await?;
                }
                if !took {
                    // Rolled back when `tx` drops: nothing is held anywhere.
                    return Err(self.exceeded(&mut tx, req, &limits, scope).await);
                }
            }
            let insert = Sql::new(
                "INSERT INTO budget_reservations (id, scopes, period_start, period_end, amount, lease_until, state, \
                 created_at, in_flight) VALUES ($1, $2, $3, $4, $5, $6, 'held', $7, $8)",
            )
            .arg(Arg::Text(req.id.to_string()))
            .arg(Arg::Text(scopes_json(&ordered)?))
            .arg(Arg::Time(start))
            .arg(Arg::Time(end))
            .arg(Arg::Int(req.amount.nanos()))
            .arg(Arg::Time(req.lease_until))
            .arg(Arg::Time(req.now))
            .arg(Arg::Int(i64::from(req.in_flight)));
            // Fails on the primary key if the reserve was cancelled meanwhile (see `cancel_reserve`).
            DB::execute(&mut tx, insert).await.map_err(|e| db_error("recording a budget reservation", e))?;
            Self::commit(tx).await
        })
        .await
    }

    /// Replaces a hold with the actual cost (also after its lease lapsed). Idempotent.
    async fn settle(&self, id: ReservationId, actual: Usd, _now: DateTime<Utc>) -> Result<SettleOutcome> {
        self.bounded("settle budget", async {
            let mut tx = self.begin().await?;
            let Some(hold) = self.take_hold(&mut tx, id).await? else {
                Self::commit(tx).await?;
                return Ok(SettleOutcome::default());
            };
            let overshoot = if actual > hold.amount { actual - hold.amount } else { Usd::ZERO };
            let (unheld, holds) = if hold.held { (hold.amount, 1) } else { (Usd::ZERO, 0) };
            // A lapsed hold's reclaim may have counted its amount already: the real cost replaces it.
            let added = actual - hold.counted;
            let mut sorted: Vec<String> = hold.scopes.iter().map(Scope::as_key).collect();
            sorted.sort();
            let mut spent: BTreeMap<String, Usd> = BTreeMap::new();
            for scope in sorted {
                let sql = Sql::new(
                    "UPDATE budget_spend SET spent = spent + $1, reserved = reserved - $2, \
                     in_flight = CASE WHEN in_flight >= $3 THEN in_flight - $3 ELSE 0 END, \
                     overshoot = overshoot + $4, overshoot_count = overshoot_count + $5 \
                     WHERE scope = $6 AND period_start = $7 AND period_end = $8 RETURNING spent",
                )
                .arg(Arg::Int(added.nanos()))
                .arg(Arg::Int(unheld.nanos()))
                .arg(Arg::Int(holds))
                .arg(Arg::Int(overshoot.nanos()))
                .arg(Arg::Int(i64::from(overshoot > Usd::ZERO)))
                .arg(Arg::Text(scope.clone()))
                .arg(Arg::Time(hold.window.start))
                .arg(Arg::Time(hold.window.end));
                let rows = DB::fetch(&mut tx, sql).await.map_err(|e| db_error("settling budget", e))?;
                let after = match rows.first() {
                    Some(r) => Usd::from_nanos(col(DB::int(r, "spent"))?),
                    None => return Err(Error::storage(format!("budget row of scope `{scope}` is missing"))),
                };
                spent.insert(scope, after);
            }
            Self::commit(tx).await?;
            // In the reservation's scope order (stored as requested).
            let spent_after =
                hold.scopes.iter().map(|s| spent.get(&s.as_key()).copied().unwrap_or(Usd::ZERO)).collect();
            Ok(SettleOutcome { overshoot, spent_after, was_held: hold.held })
        })
        .await
    }

    /// Drops a hold without spending. Idempotent.
    async fn release(&self, id: ReservationId) -> Result<()> {
        self.bounded("release budget", async {
            let mut tx = self.begin().await?;
            if let Some(hold) = self.take_hold(&mut tx, id).await? {
                self.give_back(&mut tx, &hold).await?;
            }
            Self::commit(tx).await
        })
        .await
    }

    /// A scope's figures in a period (zeros if it never spent).
    async fn usage(&self, scope: &Scope, window: &PeriodWindow) -> Result<ScopeUsage> {
        self.bounded("read budget usage", async {
            let sql = Sql::new(
                "SELECT spent, reserved, in_flight, overshoot, overshoot_count FROM budget_spend \
                 WHERE scope = $1 AND period_start = $2 AND period_end = $3",
            )
            .arg(Arg::Text(scope.as_key()))
            .arg(Arg::Time(window.start))
            .arg(Arg::Time(window.end));
            let mut c = self.reader().await?;
            let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("reading budget usage", e))?;
            let Some(r) = rows.first() else { return Ok(ScopeUsage::default()) };
            Ok(ScopeUsage {
                spent: Usd::from_nanos(col(DB::int(r, "spent"))?),
                reserved: Usd::from_nanos(col(DB::int(r, "reserved"))?),
                in_flight: to_u64(col(DB::int(r, "in_flight"))?),
                overshoot: Usd::from_nanos(col(DB::int(r, "overshoot"))?),
                overshoot_count: to_u64(col(DB::int(r, "overshoot_count"))?),
            })
        })
        .await
    }

    async fn reclaim_expired(&self, now: DateTime<Utc>) -> Result<u64> {
        self.bounded("reclaim budget leases", self.reclaim(now)).await
    }

    /// Marks a held reservation as in flight: a lapse of its lease then counts it as spent.
    async fn mark_in_flight(&self, id: ReservationId) -> Result<()> {
        self.bounded("mark a reservation in flight", async {
            let sql = Sql::new("UPDATE budget_reservations SET in_flight = 1 WHERE id = $1 AND state = 'held'")
                .arg(Arg::Text(id.to_string()));
            self.write_one(sql).await?.map_err(|e| db_error("marking a budget reservation in flight", e))?;
            Ok(())
        })
        .await
    }

    /// Ends the hold of a reserve whose caller went away: releases it if it was taken, else
    /// leaves a `lapsed` row of nothing under its id so that a write still on its way cannot
    /// commit (it fails on the primary key and rolls back).
    async fn cancel_reserve(&self, req: &ReserveRequest) -> Result<()> {
        self.bounded("cancel a reservation", async {
            // Twice at most: the reserve may commit between the two statements of the first try.
            for _ in 0..2 {
                let mut tx = self.begin().await?;
                if let Some(hold) = self.take_hold(&mut tx, req.id).await? {
                    self.give_back(&mut tx, &hold).await?;
                    return Self::commit(tx).await;
                }
                let tombstone = Sql::new(
                    "INSERT INTO budget_reservations (id, scopes, period_start, period_end, amount, lease_until, state, \
                     created_at) VALUES ($1, '[]', $2, $3, 0, $4, 'lapsed', $5) ON CONFLICT DO NOTHING",
                )
                .arg(Arg::Text(req.id.to_string()))
                .arg(Arg::Time(req.window.start))
                .arg(Arg::Time(req.window.end))
                .arg(Arg::Time(req.lease_until))
                .arg(Arg::Time(req.now));
                let placed =
                    DB::execute(&mut tx, tombstone).await.map_err(|e| db_error("cancelling a budget reservation", e))?;
                Self::commit(tx).await?;
                if placed == 1 {
                    return Ok(());
                }
            }
            Err(Error::storage(format!("budget reservation {} could not be cancelled", req.id)))
        })
        .await
    }

    /// Records an announced threshold; true only the first time (across processes).
    async fn mark_alert(&self, scope: &Scope, window: &PeriodWindow, threshold: u8) -> Result<bool> {
        self.bounded("record a budget alert", async {
            let sql = Sql::new(
                "INSERT INTO budget_alerts (scope, period_start, period_end, threshold) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .arg(Arg::Text(scope.as_key()))
            .arg(Arg::Time(window.start))
            .arg(Arg::Time(window.end))
            .arg(Arg::Int(i64::from(threshold)));
            Ok(self.write_one(sql).await?.map_err(|e| db_error("recording a budget alert", e))? == 1)
        })
        .await
    }
}
