// The shapes of the API answers the dashboard reads (snake_case, as the server sends them; the
// full descriptions are in /openapi.json and bindings/node/index.d.ts).

export const CONTENT_TYPES = ['blog', 'social_media', 'email', 'ad_copy', 'product_description', 'landing_page', 'press_release', 'video_script'] as const;
export const TONES = ['professional', 'casual', 'exciting', 'friendly', 'authoritative', 'humorous', 'persuasive', 'informative', 'inspirational'] as const;
export const PLATFORMS = ['twitter', 'linkedin', 'facebook', 'instagram', 'tiktok', 'bluesky', 'threads', 'mastodon', 'blog', 'email', 'generic'] as const;
export const POST_STATUSES = ['scheduled', 'publishing', 'published', 'failed', 'unknown', 'cancelled'] as const;

/** `snake_case` → `Snake case`. */
export function label(v: string): string {
  const t = v.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export interface Assessment {
  id: string;
  score: number;
  light: 'green' | 'orange' | 'red';
  message: string;
}

export interface RepairNote {
  limit: string;
  field: string;
  max: number;
  found: number;
  after: number;
  method: string;
  message: string;
}

export interface Piece {
  id: string;
  content: string;
  content_type: string;
  platform: string;
  topic: string;
  quality_score: number;
  seo_score: number;
  cost_usd: number;
  provider: string;
  model: string;
  cached: boolean;
  stored: boolean;
  caller_left: boolean;
  created_at: string;
  template?: { name: string; version: string } | null;
  usage: { input_tokens: number; output_tokens: number; estimated: boolean };
  metadata: {
    word_count: number;
    char_count: number;
    reading_time: number;
    platform_optimized: string;
    fits_platform: boolean;
    hashtags: string[];
    keywords_used: string[];
    keywords_missing: string[];
    keyword_density: number;
    readability: { flesch_reading_ease: number; flesch_kincaid_grade: number };
    title?: string | null;
    subject_line?: string | null;
    meta_description?: string | null;
    has_call_to_action: boolean;
    thread?: string[];
    assessments: Assessment[];
    repairs: RepairNote[];
    notice?: string | null;
  };
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Quote {
  estimate: number;
  max_tokens: number;
  targets: { provider: string; model: string; input_tokens: number; worst_case: number }[];
  free: boolean;
}

export interface TemplateVariable {
  name: string;
  description: string;
  kind: 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'date';
  required: boolean;
  default?: unknown;
}

export interface Template {
  name: string;
  version: string;
  description: string;
  content_type: string;
  default_tone: string;
  default_length?: number | null;
  default_platform?: string | null;
  variables: TemplateVariable[];
  keywords: string[];
  topic: string;
}

export interface Account {
  name: string;
  platform: string;
  idempotent: boolean;
  threads: boolean;
}

export interface ScheduledPost {
  id: string;
  content_id: string;
  account: string;
  platform: string;
  parts: string[];
  scheduled_time: string;
  status: (typeof POST_STATUSES)[number];
  attempts: number;
  next_attempt_at: string;
  last_error?: string | null;
  post_id?: string | null;
  post_url?: string | null;
  idempotent: boolean;
  published_at?: string | null;
  created_at: string;
}

export interface BudgetStatus {
  scope: string;
  limit: number | null;
  spent: number;
  reserved: number;
  remaining: number | null;
  in_flight: number;
  overshoot: number;
  overshoot_count: number;
  percent_used: number | null;
  period_start: string;
  period_end: string;
  remaining_days: number;
}

export interface BudgetAnswer {
  scopes: BudgetStatus[];
  alert_thresholds?: number[];
}

export interface Overview {
  total_content: number;
  total_cost: number;
  avg_quality: number;
  top_platforms: { platform: string; count: number }[];
  by_content_type: { content_type: string | null; count: number; cost: number }[];
  cost_per_day: { date: string; count: number; cost: number }[];
  since: string;
  until: string;
}

export interface Counts {
  impressions: number;
  clicks: number;
  shares: number;
  likes: number;
  comments: number;
  conversions: number;
  revenue: number;
}

export interface Engagement {
  totals: Counts;
  engagement_rate: number;
  by_platform: (Counts & { platform: string; engagement_rate: number })[];
  best_content_types: (Counts & { content_type: string; engagement_rate: number })[];
  best_posting_hours: (Counts & { hour: number; engagement_rate: number })[];
}

export interface Roi {
  time_period: string;
  pieces: number;
  ai_cost: number;
  freelance_cost: number;
  savings: number;
  roi: number | null;
  cost_per_piece: number | null;
  hours_saved: number;
  attributed_revenue: number;
  since: string;
  until: string;
}

export interface PublicConfig {
  api_key_configured: boolean;
  features: Record<string, boolean>;
  provider: string;
  version: string;
}

export interface KeyInfo {
  id: string;
  identity: string;
  name: string;
  prefix: string;
  role: 'admin' | 'user';
  tier: string;
  rate_limit_per_hour: number | null;
  budget: number | null;
  tenant: string | null;
  status: 'active' | 'expiring' | 'revoked';
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}
