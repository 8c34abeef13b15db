//! The one generator type of the model and the one place that derives it.
//!
//! Every function that draws takes `&mut SimRng`. Draws come from streams
//! keyed by what they describe: the referrals of one locality for one service
//! in one week come from ChaCha stream (demand, locality, service, week) of
//! the run's seed, the outcomes of one provider's patients of one service in
//! one week from (outcomes, provider, service, week), and so on ([`Key`]).
//! Two runs of the same seed — two regime arms, or two design points — that
//! meet the same patients therefore draw the same fortunes for them, however
//! differently they routed everyone else: their differences are paired
//! (common random numbers), not noise. Small binomial and Poisson draws are
//! made by inverse transform from one uniform, so that a slightly different
//! risk or rate gives a slightly different count, not a fresh one.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere in the model: ChaCha with 8 rounds.
///
/// Named rather than `StdRng` so that a change of algorithm in a dependency
/// can never change results silently.
pub type SimRng = ChaCha8Rng;

/// The purposes that each get their own keyed streams of a run's seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// New referrals of a locality for a service, then their community
    /// substitution and their routing between providers.
    Demand = 1,
    /// Adverse outcomes of a provider's treated patients of a service.
    Outcomes = 3,
    /// Discharges from a provider's beds for a service.
    Stays = 6,
    /// Weeks before the decision to admit of a locality's referrals for an
    /// elective service (including those substituted into it).
    Decision = 7,
}

/// Largest seed: 2^53 − 1, so that every seed survives a round trip through
/// a double (JSON readers in R, JavaScript and jq read numbers as doubles).
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// The seed of one (point, replicate) of a sweep, from the master seed and
/// those indices alone: the top 53 bits of word `replicate` of ChaCha stream
/// `point` keyed by the master seed. Every regime arm at that point and
/// replicate runs with it (common random numbers).
pub fn run_seed(master: u64, point: u64, replicate: u64) -> u64 {
    let mut rng = SimRng::seed_from_u64(master);
    rng.set_stream(point);
    rng.set_word_pos(u128::from(replicate) * 2);
    rng.next_u64() >> 11
}

/// What a keyed stream describes: a purpose and up to two ids (locality,
/// provider, service) and the week. Packed into ChaCha's 64-bit stream
/// number: purpose in 8 bits, the first id in 20, the second in 12, the week
/// in 24 — so every key of a run is its own stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// What the draws are for.
    pub purpose: Stream,
    /// A locality or provider index (< 2^20).
    pub first: u32,
    /// A service index (< 2^12).
    pub second: u32,
    /// The week (< 2^24).
    pub week: u32,
}

/// Most localities or providers a keyed stream can tell apart.
pub const MAX_FIRST: u32 = 1 << 20;
/// Most services a keyed stream can tell apart.
pub const MAX_SECOND: u32 = 1 << 12;
/// Most weeks a keyed stream can tell apart.
pub const MAX_WEEK: u32 = 1 << 24;

impl Key {
    fn stream(self) -> u64 {
        debug_assert!(self.first < MAX_FIRST && self.second < MAX_SECOND && self.week < MAX_WEEK, "{self:?}");
        (self.purpose as u64) << 56
            | u64::from(self.first & (MAX_FIRST - 1)) << 36
            | u64::from(self.second & (MAX_SECOND - 1)) << 24
            | u64::from(self.week & (MAX_WEEK - 1))
    }
}

/// A generator that moves to the start of a key's stream on demand: the
/// run's 256-bit ChaCha key is expanded from its seed once, and
/// [`Keyed::at`] points a [`StreamRng`] at the key's stream.
#[derive(Debug, Clone)]
pub struct Keyed {
    rng: StreamRng,
    /// Block 0 of the streams [`Keyed::prepare`] was told come next, in
    /// that order, with their stream numbers.
    prepared: Vec<(u64, [u32; 16])>,
    /// The next of `prepared` to hand out.
    next_prepared: usize,
}

impl Keyed {
    /// The keyed streams of a run's seed.
    pub fn new(seed: u64) -> Self {
        Keyed { rng: StreamRng::new(SimRng::seed_from_u64(seed)), prepared: Vec::new(), next_prepared: 0 }
    }

    /// The start of `key`'s stream. Each key must be selected once per run:
    /// selecting it again replays the same draws.
    pub fn at(&mut self, key: Key) -> &mut StreamRng {
        let stream = key.stream();
        // Prepared keys come in increasing order; those passed over were not needed.
        while self.prepared.get(self.next_prepared).is_some_and(|(prepared, _)| *prepared < stream) {
            self.next_prepared += 1;
        }
        match self.prepared.get(self.next_prepared) {
            Some((prepared, block)) if *prepared == stream => {
                self.rng.start_with(stream, block);
                self.next_prepared += 1;
            }
            _ => self.rng.select(stream),
        }
        &mut self.rng
    }

    /// The stream selected last.
    pub fn current(&mut self) -> &mut StreamRng {
        &mut self.rng
    }

    /// Says which keys [`Keyed::at`] may be asked for next, in increasing
    /// order of their streams (purpose, first id, second id, week), so that
    /// their first blocks can be computed together where the processor
    /// computes several blocks at once for the cost of one or two. Speed
    /// only: a key asked for out of turn, or never, draws the same words.
    pub fn prepare(&mut self, keys: impl Iterator<Item = Key>) {
        self.prepared.clear();
        self.next_prepared = 0;
        if !lanes::available() {
            return;
        }
        let mut streams = [0u64; lanes::LANES];
        let mut n = 0;
        for key in keys {
            streams[n] = key.stream();
            n += 1;
            if n == lanes::LANES {
                self.push_blocks(&streams);
                n = 0;
            }
        }
        if n > 0 {
            self.push_blocks(&streams);
            self.prepared.truncate(self.prepared.len() - (lanes::LANES - n));
        }
    }

    fn push_blocks(&mut self, streams: &[u64; lanes::LANES]) {
        let blocks = lanes::first_blocks(&self.rng.key, streams);
        self.prepared.extend(streams.iter().copied().zip(blocks));
    }
}

/// One ChaCha8 stream of a run's key, word for word what [`SimRng`] gives
/// after `set_stream`, made cheap to start: a keyed stream usually needs
/// only a few words (a Poisson count and a split or two), and `SimRng`
/// computes four 64-byte blocks at a time, so the first block of each
/// stream is computed here alone, by the ChaCha block function, and `SimRng`
/// takes over from the second block for the few streams that read on.
#[derive(Debug, Clone)]
pub struct StreamRng {
    /// The key, as ChaCha's eight key words.
    key: [u32; 8],
    stream: u64,
    /// Block 0 of the stream, once computed.
    first: [u32; 16],
    /// The next word of block 0 to hand out ([`UNCOMPUTED`] before block 0
    /// is computed, 16 once it is used up).
    index: usize,
    /// The stream from block 1 on.
    rest: SimRng,
    /// Whether `rest` is at this stream (it is set when block 0 runs out).
    rest_selected: bool,
}

/// [`StreamRng::index`] of a stream whose first block is not yet computed.
const UNCOMPUTED: usize = usize::MAX;

/// ChaCha's constant words, "expand 32-byte k".
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// ChaCha8's rounds on state `$x` by quarter-round function `$qr`: four
/// double rounds, each a column round and then a diagonal round. A macro,
/// so that every word index is a constant where the rounds are compiled.
macro_rules! eight_rounds {
    ($qr:ident, $x:expr) => {
        for _ in 0..4 {
            $qr($x, 0, 4, 8, 12);
            $qr($x, 1, 5, 9, 13);
            $qr($x, 2, 6, 10, 14);
            $qr($x, 3, 7, 11, 15);
            $qr($x, 0, 5, 10, 15);
            $qr($x, 1, 6, 11, 12);
            $qr($x, 2, 7, 8, 13);
            $qr($x, 3, 4, 9, 14);
        }
    };
}

impl StreamRng {
    fn new(rng: SimRng) -> Self {
        let seed = rng.get_seed();
        let key = std::array::from_fn(|i| {
            u32::from_le_bytes([seed[4 * i], seed[4 * i + 1], seed[4 * i + 2], seed[4 * i + 3]])
        });
        StreamRng { key, stream: 0, first: [0; 16], index: UNCOMPUTED, rest: rng, rest_selected: false }
    }

    /// Moves to the first word of `stream`, whose block 0 is `block`.
    fn start_with(&mut self, stream: u64, block: &[u32; 16]) {
        self.stream = stream;
        self.first = *block;
        self.index = 0;
        self.rest_selected = false;
    }

    /// Moves to the first word of `stream`; nothing is computed until a word is drawn.
    fn select(&mut self, stream: u64) {
        self.stream = stream;
        self.index = UNCOMPUTED;
        self.rest_selected = false;
    }

    /// Block 0 of the stream: ChaCha with 8 rounds (four double rounds) on
    /// the constants, the key, block counter 0 and the stream number.
    fn compute_first(&mut self) {
        let k = self.key;
        let input: [u32; 16] = [
            SIGMA[0],
            SIGMA[1],
            SIGMA[2],
            SIGMA[3],
            k[0],
            k[1],
            k[2],
            k[3],
            k[4],
            k[5],
            k[6],
            k[7],
            0,
            0,
            self.stream as u32,
            (self.stream >> 32) as u32,
        ];
        let mut x = input;
        eight_rounds!(quarter_round, &mut x);
        for (out, (a, b)) in self.first.iter_mut().zip(x.iter().zip(input)) {
            *out = a.wrapping_add(b);
        }
        self.index = 0;
    }

    #[inline(always)]
    fn next_word(&mut self) -> u32 {
        match self.first.get(self.index) {
            Some(&w) => {
                self.index += 1;
                w
            }
            None => self.next_word_beyond(),
        }
    }

    /// Two words, the first the low half, as [`StreamRng::next_word`] twice.
    #[inline(always)]
    fn next_pair(&mut self) -> u64 {
        match self.first.get(self.index..self.index.wrapping_add(2)) {
            Some(&[lo, hi]) => {
                self.index += 2;
                u64::from(lo) | u64::from(hi) << 32
            }
            _ => {
                let lo = u64::from(self.next_word());
                lo | u64::from(self.next_word()) << 32
            }
        }
    }

    /// The next word when block 0 is not computed yet or used up.
    #[inline(never)]
    fn next_word_beyond(&mut self) -> u32 {
        if self.index == UNCOMPUTED {
            self.compute_first();
            self.index = 1;
            return self.first[0];
        }
        if !self.rest_selected {
            // Word 16 (block 1) with the buffer emptied, then the stream: nothing is computed yet.
            self.rest.set_word_pos(16);
            self.rest.set_stream(self.stream);
            self.rest_selected = true;
        }
        self.rest.next_u32()
    }
}

#[inline(always)]
fn quarter_round(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// Block 0 of several streams at once, one stream per vector lane, where
/// the processor has instructions that make this cheaper than one block at
/// a time (AVX-512, whose rotations take one instruction: about 12 ns a
/// block against 45 ns alone, on the machine of the README's benchmarks).
mod lanes {
    use super::{SIGMA, quarter_round_lanes};

    /// Streams computed together.
    pub const LANES: usize = 8;

    /// Whether this processor has the instructions `first_blocks` is
    /// compiled for (found once, then read from the standard library's cache).
    #[cfg(target_arch = "x86_64")]
    pub fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl")
    }

    #[cfg(not(target_arch = "x86_64"))]
    pub fn available() -> bool {
        false
    }

    /// Block 0 of each of `streams` under `key`.
    pub fn first_blocks(key: &[u32; 8], streams: &[u64; LANES]) -> [[u32; 16]; LANES] {
        #[cfg(target_arch = "x86_64")]
        if available() {
            // SAFETY: the processor was found to have the features
            // `first_blocks_wide` is compiled for.
            return unsafe { first_blocks_wide(key, streams) };
        }
        first_blocks_portable(key, streams)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl")]
    fn first_blocks_wide(key: &[u32; 8], streams: &[u64; LANES]) -> [[u32; 16]; LANES] {
        first_blocks_portable(key, streams)
    }

    /// The block function with the state held word-major: word `w` of
    /// every lane side by side, so that each step is one vector operation.
    #[inline(always)]
    pub(super) fn first_blocks_portable(key: &[u32; 8], streams: &[u64; LANES]) -> [[u32; 16]; LANES] {
        let mut input = [[0u32; LANES]; 16];
        for (w, &c) in SIGMA.iter().enumerate() {
            input[w] = [c; LANES];
        }
        for (w, &k) in key.iter().enumerate() {
            input[4 + w] = [k; LANES];
        }
        for (i, &s) in streams.iter().enumerate() {
            input[14][i] = s as u32;
            input[15][i] = (s >> 32) as u32;
        }
        let mut x = input;
        eight_rounds!(quarter_round_lanes, &mut x);
        let mut out = [[0u32; 16]; LANES];
        for w in 0..16 {
            for i in 0..LANES {
                out[i][w] = x[w][i].wrapping_add(input[w][i]);
            }
        }
        out
    }
}

/// [`quarter_round`] on every lane.
#[inline(always)]
fn quarter_round_lanes<const L: usize>(x: &mut [[u32; L]; 16], ia: usize, ib: usize, ic: usize, id: usize) {
    let [mut a, mut b, mut c, mut d] = [x[ia], x[ib], x[ic], x[id]];
    add_xor_rotate(&mut a, &b, &mut d, 16);
    add_xor_rotate(&mut c, &d, &mut b, 12);
    add_xor_rotate(&mut a, &b, &mut d, 8);
    add_xor_rotate(&mut c, &d, &mut b, 7);
    [x[ia], x[ib], x[ic], x[id]] = [a, b, c, d];
}

/// `p += q; r = (r ^ p) <<< n`, lane by lane.
#[inline(always)]
fn add_xor_rotate<const L: usize>(p: &mut [u32; L], q: &[u32; L], r: &mut [u32; L], n: u32) {
    for ((p, q), r) in p.iter_mut().zip(q).zip(r.iter_mut()) {
        *p = p.wrapping_add(*q);
        *r = (*r ^ *p).rotate_left(n);
    }
}

impl rand::TryRng for StreamRng {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.next_word())
    }

    /// Two words, the first the low half (as `SimRng`).
    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next_pair())
    }

    /// Whole words, little-endian, the last cut short (as `SimRng`).
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(4) {
            let w = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

/// A generator for choosing a sweep's design points from its master seed
/// (a key of its own, so design draws never coincide with run seeds).
pub fn design_rng(master: u64) -> SimRng {
    SimRng::seed_from_u64(master ^ 0xD5E1_6A11_0F5E_ED00)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    /// Pins the generator's output: a change of algorithm or of seeding
    /// must fail here, not silently shift every result.
    #[test]
    fn value_stability() {
        let mut k = Keyed::new(2026);
        let rng = k.at(Key { purpose: Stream::Demand, first: 0, second: 0, week: 0 });
        let drawn: Vec<u64> = (0..3).map(|_| rng.random()).collect();
        assert_eq!(drawn, PINNED);
    }

    const PINNED: [u64; 3] = [754673450581770369, 1867518025563833282, 6219628414187698951];

    #[test]
    fn run_seeds_depend_on_indices_only() {
        assert_eq!(run_seed(2026, 3, 1), run_seed(2026, 3, 1));
        assert_ne!(run_seed(2026, 3, 1), run_seed(2026, 1, 3));
        assert_ne!(run_seed(2026, 0, 0), run_seed(2027, 0, 0));
        assert_eq!(run_seed(2026, 0, 1), PINNED_SEED);
    }

    const PINNED_SEED: u64 = 4684971635267453691 >> 11;

    #[test]
    fn run_seeds_fit_a_double() {
        for point in 0..100 {
            for replicate in 0..10 {
                let seed = run_seed(u64::MAX, point, replicate);
                assert!(seed <= MAX_SEED);
                assert_eq!(seed as f64 as u64, seed, "exact as a double");
            }
        }
    }

    #[test]
    fn keys_select_distinct_reproducible_streams() {
        let mut k = Keyed::new(5);
        let key = |first, second, week| Key { purpose: Stream::Demand, first, second, week };
        let a: u64 = k.at(key(1, 2, 3)).random();
        let b: u64 = k.at(key(2, 1, 3)).random();
        let c: u64 = k.at(key(1, 2, 4)).random();
        let again: u64 = k.at(key(1, 2, 3)).random();
        let other: u64 = k.at(Key { purpose: Stream::Outcomes, ..key(1, 2, 3) }).random();
        assert_eq!(a, again, "a key's stream starts at the same place each time");
        assert!(a != b && a != c && a != other && b != c);
        assert_eq!(a, KEYED_PINNED);
    }

    const KEYED_PINNED: u64 = 3189871504368441060;

    /// A keyed stream is, word for word, `SimRng` moved to that stream: for
    /// words, pairs of words and byte fills of every length mixed, through
    /// block 0, the hand-over at word 16 and past the first buffer of four
    /// blocks, for streams selected one after another (the generator
    /// reused), with the extreme stream numbers.
    #[test]
    fn a_keyed_stream_is_the_chacha_stream_word_for_word() {
        let mut keyed = Keyed::new(2026);
        let mut mix = SimRng::seed_from_u64(99);
        for stream in [0, 1, 7, 1 << 36, u64::MAX - 1, u64::MAX, 0] {
            let mut reference = SimRng::seed_from_u64(2026);
            reference.set_stream(stream);
            let ours = keyed.at(Key { purpose: Stream::Demand, first: 0, second: 0, week: 0 });
            ours.select(stream);
            let mut words = 0;
            while words < 200 {
                match mix.next_u32() % 3 {
                    0 => {
                        assert_eq!(ours.next_u32(), reference.next_u32(), "stream {stream}, word {words}");
                        words += 1;
                    }
                    1 => {
                        assert_eq!(ours.next_u64(), reference.next_u64(), "stream {stream}, word {words}");
                        words += 2;
                    }
                    _ => {
                        let n = (mix.next_u32() % 11) as usize;
                        let (mut a, mut b) = ([0u8; 10], [0u8; 10]);
                        ours.fill_bytes(&mut a[..n]);
                        reference.fill_bytes(&mut b[..n]);
                        assert_eq!(a, b, "stream {stream}, {n} bytes at word {words}");
                        words += n.div_ceil(4);
                    }
                }
            }
        }
    }

    /// Block 0 of streams computed together, by whichever instructions
    /// this processor has and by the portable code, is each stream's
    /// first 16 words, lane for lane.
    #[test]
    fn blocks_computed_together_are_each_streams_first_words() {
        let keyed = Keyed::new(31);
        let streams = [0, 1, 2, 1 << 36, 0xFFFF_FFFF, 1 << 32, u64::MAX - 1, u64::MAX];
        let together = lanes::first_blocks(&keyed.rng.key, &streams);
        let portable = lanes::first_blocks_portable(&keyed.rng.key, &streams);
        for (i, &stream) in streams.iter().enumerate() {
            let mut reference = SimRng::seed_from_u64(31);
            reference.set_stream(stream);
            let words: [u32; 16] = std::array::from_fn(|_| reference.next_u32());
            assert_eq!(together[i], words, "stream {stream}");
            assert_eq!(portable[i], words, "stream {stream}");
        }
    }

    /// Keys prepared ahead draw what keys selected alone draw: asked for in
    /// turn, with prepared keys passed over, out of turn, never prepared,
    /// and read on past the prepared block.
    #[test]
    fn prepared_keys_draw_what_keys_selected_alone_draw() {
        let key = |first, second| Key { purpose: Stream::Demand, first, second, week: 9 };
        let (mut prepared, mut alone) = (Keyed::new(5), Keyed::new(5));
        prepared.prepare((0..3).flat_map(|l| (0..7).map(move |s| key(l, s))));
        let asked = [key(0, 0), key(0, 1), key(0, 4), key(1, 6), key(0, 2), key(2, 0), key(2, 3), key(5, 5), key(2, 6)];
        for k in asked {
            let a = prepared.at(k);
            let b = alone.at(k);
            for word in 0..40 {
                assert_eq!(a.next_u32(), b.next_u32(), "{k:?}, word {word}");
            }
        }
    }

    #[test]
    fn purposes_and_seeds_are_independent_streams() {
        let key = Key { purpose: Stream::Demand, first: 0, second: 0, week: 0 };
        let a: u64 = Keyed::new(7).at(key).random();
        let b: u64 = Keyed::new(7).at(Key { purpose: Stream::Outcomes, ..key }).random();
        let c: u64 = Keyed::new(8).at(key).random();
        assert_ne!(a, b);
        assert_ne!(a, c);
    }
}
