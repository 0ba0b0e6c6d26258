//! Storage in process memory, for tests and embedding without a database.

use super::query::{ContentPage, ContentQuery, Cursor};
use super::{Storage, UsageRecord};
use crate::content::GeneratedContent;
use crate::error::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parking_lot::RwLock;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

type OrderKey = Reverse<(DateTime<Utc>, String)>;

#[derive(Debug, Default)]
struct Inner {
    by_order: BTreeMap<OrderKey, GeneratedContent>,
    by_id: HashMap<String, OrderKey>,
    usage: Vec<UsageRecord>,
}

/// Keeps everything in memory; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    inner: RwLock<Inner>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStorage::default()
    }
}

fn owned_by(item: &GeneratedContent, owner: Option<&str>) -> bool {
    owner.is_none_or(|o| item.owner.as_deref() == Some(o))
}

#[async_trait]
impl Storage for MemoryStorage {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    async fn save_content(&self, content: &GeneratedContent) -> Result<()> {
        let mut inner = self.inner.write();
        if inner.by_id.contains_key(&content.id) {
            return Err(Error::storage(format!("content `{}` already exists", content.id)));
        }
        let key = Reverse((content.created_at, content.id.clone()));
        inner.by_id.insert(content.id.clone(), key.clone());
        inner.by_order.insert(key, content.clone());
        Ok(())
    }

    async fn get_content(&self, id: &str, owner: Option<&str>) -> Result<Option<GeneratedContent>> {
        let inner = self.inner.read();
        Ok(inner.by_id.get(id).and_then(|k| inner.by_order.get(k)).filter(|c| owned_by(c, owner)).cloned())
    }

    async fn list_content(&self, query: &ContentQuery) -> Result<ContentPage> {
        let (limit, cursor) = query.validated()?;
        let inner = self.inner.read();
        let mut items = Vec::with_capacity(limit as usize);
        let mut more = false;
        for item in inner.by_order.values() {
            if cursor.as_ref().is_some_and(|c| !c.precedes(item)) || !query.matches(item) {
                continue;
            }
            if items.len() == limit as usize {
                more = true;
                break;
            }
            items.push(item.clone());
        }
        let next_cursor = if more { items.last().map(|i| Cursor::after(i).encode()) } else { None };
        Ok(ContentPage { items, next_cursor })
    }

    async fn delete_content(&self, id: &str, owner: Option<&str>) -> Result<bool> {
        let mut inner = self.inner.write();
        let Some(key) = inner.by_id.get(id).cloned() else { return Ok(false) };
        if !inner.by_order.get(&key).is_some_and(|c| owned_by(c, owner)) {
            return Ok(false);
        }
        inner.by_order.remove(&key);
        inner.by_id.remove(id);
        Ok(true)
    }

    async fn record_usage(&self, record: &UsageRecord) -> Result<()> {
        self.inner.write().usage.push(record.clone());
        Ok(())
    }

    async fn list_usage(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<UsageRecord>> {
        let inner = self.inner.read();
        let mut out: Vec<UsageRecord> = inner
            .usage
            .iter()
            .filter(|u| u.created_at >= since && u.created_at < until)
            .filter(|u| owner.is_none_or(|o| u.owner.as_deref() == Some(o)))
            .cloned()
            .collect();
        out.sort_by_key(|u| u.created_at);
        Ok(out)
    }
}
