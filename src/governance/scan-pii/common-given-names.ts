/**
 * Given names common in the countries dpf's users come from, lower case. A value that holds one
 * of them as a word ("Maria Garcia", "Dr. John Smith") is much more likely a person's name than a
 * capitalized product or place; names outside this list still count, by their shape, when the
 * column's name says it holds names. A short list on purpose: it is evidence, not a gazetteer.
 */
export const COMMON_GIVEN_NAMES: ReadonlySet<string> = new Set(
  (
    'james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark donald ' +
    'steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric ' +
    'jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry ' +
    'tyler aaron jose adam nathan henry peter zachary douglas harold kyle noah ethan jeremy walter christian keith roger ' +
    'mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley ' +
    'kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy ' +
    'angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet catherine ' +
    'maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea ' +
    'cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy sophia ' +
    'grace denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori ' +
    'oliver harry leo oscar archie freddie arthur alfie lucas liam mason elijah logan luke isla amelia ava mia poppy ' +
    'lukas felix maximilian paul jonas elias ben leon finn luis anton moritz lena lea hannah mila emilia sofia johanna ' +
    'jan piet sanne daan sem lotte fleur julia ines hugo louis gabriel raphael jules arthur chloe camille manon louise lea ' +
    'juan carlos luis miguel javier antonio manuel francisco pedro alejandro diego pablo sergio lucia carmen laura isabel ' +
    'giulia francesca giuseppe marco giovanni luca matteo alessandro andrea lorenzo chiara sara valentina ' +
    'joao pedro gabriel rafael ana beatriz mariana fernanda ' +
    'wei li ming hui jun yan hao yuki hiroshi takeshi akira haruto sakura yui aiko min ji seo hyun ' +
    'mohammed muhammad ahmed ali omar hassan hussein fatima aisha mariam yusuf ibrahim khalid layla zainab ' +
    'raj rahul amit priya anita sunita vikram arjun rohan deepak pooja neha kavya ' +
    'olga ivan dmitri sergei natalia elena irina anastasia piotr katarzyna agnieszka tomasz ' +
    'lars erik nils anders ingrid astrid sven karin björn freya'
  ).split(/\s+/),
);
