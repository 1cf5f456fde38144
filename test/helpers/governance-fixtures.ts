/**
 * The classifications.yml the governance tests share: four levels, and email (restricted) and
 * name (confidential) as kinds of personal data, read by analyst, data_engineer and legal.
 */
export const CLASSIFICATIONS = `levels:
  - name: public
  - name: internal
  - name: confidential
    readers: [analyst, data_engineer]
  - name: restricted
    readers: [data_engineer, legal]
pii:
  - name: email
    level: restricted
    masking: hash
  - name: name
    level: confidential
    masking: partial
`;
