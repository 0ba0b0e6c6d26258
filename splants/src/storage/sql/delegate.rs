//! `Storage` and `BudgetLedger` for the SQL backend types: each call goes to their `SqlStore`;
//! each `Storage` call within the store's client-side deadline (`SqlStore::bounded`).

/// Implements `Storage` and `BudgetLedger` for a backend type with a `store: SqlStore<_>` field.
macro_rules! sql_backend_traits {
    ($ty:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl $crate::storage::Storage for $ty {
            fn backend(&self) -> &'static str {
                $name
            }
            async fn ping(&self) -> $crate::Result<()> {
                self.store.bounded("ping", self.store.ping()).await
            }
            async fn save_content(&self, content: &$crate::GeneratedContent) -> $crate::Result<()> {
                self.store.bounded("save content", self.store.save_contents(std::slice::from_ref(content))).await
            }
            async fn get_content(
                &self,
                id: &str,
                owner: Option<&str>,
            ) -> $crate::Result<Option<$crate::GeneratedContent>> {
                self.store.bounded("get content", self.store.get_content(id, owner)).await
            }
            async fn list_content(
                &self,
                query: &$crate::storage::ContentQuery,
            ) -> $crate::Result<$crate::storage::ContentPage> {
                self.store.bounded("list content", self.store.list_content(query)).await
            }
            async fn delete_content(&self, id: &str, owner: Option<&str>) -> $crate::Result<bool> {
                self.store.bounded("delete content", self.store.delete_content(id, owner)).await
            }
            async fn record_usage(&self, record: &$crate::storage::UsageRecord) -> $crate::Result<()> {
                self.store.bounded("record usage", self.store.record_usage(record)).await
            }
            async fn list_usage(
                &self,
                since: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
                owner: Option<&str>,
            ) -> $crate::Result<Vec<$crate::storage::UsageRecord>> {
                self.store.bounded("list usage", self.store.list_usage(since, until, owner)).await
            }
            async fn usage_totals(
                &self,
                query: &$crate::analytics::StatsQuery,
            ) -> $crate::Result<$crate::analytics::UsageTotals> {
                self.store.bounded("usage totals", self.store.usage_totals(query)).await
            }
            async fn insert_key(&self, key: &$crate::auth::ApiKeyRecord) -> $crate::Result<()> {
                self.store.bounded("insert key", self.store.insert_key(key)).await
            }
            async fn keys_by_prefix(&self, prefix: &str) -> $crate::Result<Vec<$crate::auth::ApiKeyRecord>> {
                self.store.bounded("keys by prefix", self.store.keys_by_prefix(prefix)).await
            }
            async fn get_key(&self, id: &str) -> $crate::Result<Option<$crate::auth::ApiKeyRecord>> {
                self.store.bounded("get key", self.store.get_key(id)).await
            }
            async fn list_keys(&self) -> $crate::Result<Vec<$crate::auth::ApiKeyRecord>> {
                self.store.bounded("list keys", self.store.list_keys()).await
            }
            async fn set_key_status(
                &self,
                id: &str,
                status: $crate::auth::KeyStatus,
                expires_at: Option<chrono::DateTime<chrono::Utc>>,
            ) -> $crate::Result<bool> {
                self.store.bounded("set key status", self.store.set_key_status(id, status, expires_at)).await
            }
            async fn touch_key(&self, id: &str, at: chrono::DateTime<chrono::Utc>) -> $crate::Result<()> {
                self.store.bounded("touch key", self.store.touch_key(id, at)).await
            }
            async fn rotate_key(
                &self,
                old_id: &str,
                old_expires_at: chrono::DateTime<chrono::Utc>,
                new_key: &$crate::auth::ApiKeyRecord,
            ) -> $crate::Result<bool> {
                self.store.bounded("rotate key", self.store.rotate_key(old_id, old_expires_at, new_key)).await
            }
            async fn record_events(&self, events: &[$crate::analytics::AnalyticsEvent]) -> $crate::Result<()> {
                self.store.bounded("record events", self.store.record_events(events)).await
            }
            async fn content_stats(
                &self,
                query: &$crate::analytics::StatsQuery,
            ) -> $crate::Result<$crate::analytics::ContentStats> {
                self.store.bounded("content stats", self.store.content_stats(query)).await
            }
            async fn engagement_stats(
                &self,
                query: &$crate::analytics::StatsQuery,
            ) -> $crate::Result<$crate::analytics::EngagementStats> {
                self.store.bounded("engagement stats", self.store.engagement_stats(query)).await
            }
        }

        #[async_trait::async_trait]
        impl $crate::budget::BudgetLedger for $ty {
            async fn reserve(&self, request: &$crate::budget::ReserveRequest) -> $crate::Result<()> {
                self.store.bounded("reserve budget", self.store.reserve(request)).await
            }
            async fn settle(
                &self,
                id: $crate::budget::ReservationId,
                actual: $crate::Usd,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::budget::SettleOutcome> {
                self.store.bounded("settle budget", self.store.settle(id, actual, now)).await
            }
            async fn release(&self, id: $crate::budget::ReservationId) -> $crate::Result<()> {
                self.store.bounded("release budget", self.store.release(id)).await
            }
            async fn usage(
                &self,
                scope: &$crate::budget::Scope,
                window: &$crate::budget::PeriodWindow,
            ) -> $crate::Result<$crate::budget::ScopeUsage> {
                self.store.bounded("read budget usage", self.store.scope_usage(scope, window)).await
            }
            async fn reclaim_expired(&self, now: chrono::DateTime<chrono::Utc>) -> $crate::Result<u64> {
                self.store.bounded("reclaim budget leases", self.store.reclaim_expired(now)).await
            }
            async fn mark_in_flight(&self, id: $crate::budget::ReservationId) -> $crate::Result<()> {
                self.store.bounded("mark a reservation in flight", self.store.mark_in_flight(id)).await
            }
            async fn cancel_reserve(&self, request: &$crate::budget::ReserveRequest) -> $crate::Result<()> {
                self.store.bounded("cancel a reservation", self.store.cancel_reserve(request)).await
            }
            async fn mark_alert(
                &self,
                scope: &$crate::budget::Scope,
                window: &$crate::budget::PeriodWindow,
                threshold: u8,
            ) -> $crate::Result<bool> {
                self.store.bounded("record a budget alert", self.store.mark_alert(scope, window, threshold)).await
            }
        }
    };
}
pub(crate) use sql_backend_traits;
