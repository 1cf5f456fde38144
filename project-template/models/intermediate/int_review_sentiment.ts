/**
 * A sentiment score per review, from the words of its text: what SQL does poorly (a word list
 * and a tokenizer; a real project would call a library or a model here). -1 is all negative
 * words, 1 all positive, 0 none or as many of each.
 */
import { defineTransform } from 'dpf';

const POSITIVE = new Set(['love', 'great', 'perfect', 'comfortable', 'sturdy', 'fast', 'beautiful', 'excellent', 'recommend', 'happy']);
const NEGATIVE = new Set(['broke', 'cheap', 'late', 'disappointed', 'small', 'returned', 'scratched', 'noisy', 'poor', 'refund']);

export default defineTransform({
  description: 'A sentiment score (-1 to 1) and a word count per review, from its text',
  refs: ['stg_reviews'],
  columns: [
    { name: 'review_id', type: 'integer' },
    { name: 'product_id', type: 'integer' },
    { name: 'rating', type: 'integer' },
    { name: 'sentiment', type: 'double' },
    { name: 'word_count', type: 'integer' },
  ],
  async *transform(inputs) {
    for await (const batch of inputs.stg_reviews) {
      yield batch.map((review) => {
        const words = String(review.body ?? '').toLowerCase().match(/[a-z']+/g) ?? [];
        const positive = words.filter((w) => POSITIVE.has(w)).length;
        const negative = words.filter((w) => NEGATIVE.has(w)).length;
        const sentiment = positive + negative === 0 ? 0 : (positive - negative) / (positive + negative);
        return { review_id: review.review_id, product_id: review.product_id, rating: review.rating, sentiment, word_count: words.length };
      });
    }
  },
});
