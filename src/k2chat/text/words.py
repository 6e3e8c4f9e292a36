"""Word lists: the stop words tokens leave out and the everyday words that are never a topic
on their own."""

from __future__ import annotations

__all__ = ["STOPWORDS", "GENERIC"]

# A hand list, kept because it measured better (issue 24): NLTK's English list less a few
# words (the single letters "d", "m", "o", "y" among them: "vitamin d") plus chat words
# ("thanks", "please", "much", "many"). bm25s's STOPWORDS_EN_PLUS (NLTK's 179) with the same
# chat words, refitted, answered worse: lead@1 blind 1-6 0.816 -> 0.807, round 8 0.805 ->
# 0.780, round 9 0.684 -> 0.658, holdout answerable refused 0.060 -> 0.077 (35 of 1,051
# answers changed; scripts/eval_all.py on a fresh data dir, `make fit FIT_ARGS=--reuse-encoder`).
# Without its single letters it still lost: blind 1-6 0.807, round 8 0.780, round 9 0.632.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves im i'm ive i've it's dont don't s t also get got tell know please thanks thank
    much many really ok okay hi hello isn doesn don aren wasn weren won wouldn shouldn couldn
    didn haven hasn hadn ll ve re""".split()
)

# Everyday words that say how something is asked, not what about: never a topic on their own.
GENERIC = frozenset(
    """able about actual actually advice affect after again ago ahead all allowed alone along
    already alright also always amount answer anybody anyone anything anyway appointment are
    ask asked asking avoid bad be bear become begin believe best better big bit bother bring
    call called can cant capsule capsules care careful case cause certain chance change
    check come comes coming common compare compared consider contain contains correct could
    count counts daily day days deal decide decided difference different do does doing done
    dont doubt down each easy effect effects else enough even ever every everyday everyone
    everything exactly example expect explain extra fact far feel fine find first follow
    forget free get gets getting give given go goes going good great guess guy happen happens
    happened hard have help high higher how however idea important instead issue issues keep
    kind know last later least less let like likely little long look looking lot lots low
    lower main make makes many matter matters maybe mean means might mind more most much must
    need needed needs never new next nice normal normally now number often ok okay old older
    one ones only or other others over own part people per perhaps person pill pills plan
    point possible pretty probably problem problems put question questions quick quite rather
    real really reason regular regularly right safe same say says see seem seems set should
    show simple since small so some someone something sometimes soon sort start started
    starting still stop stopped stopping sure take takes taking talk tell than thank thanks
    thing things think though till time times tip tips today together too total true try
    trying type typical typically under understand until up us use used useful uses using
    usual usually very want wants way ways week weeks well what whatever when which while who
    whole why will wish with without wonder work worked works worth would wrong year years yes
    yet elderly senior seniors adult adults adolescent teen teens teenager teenagers man men
    woman women male female kid kids child children athlete athletes runner tablet tablets
    dosage doses dose supplement supplements stuff accept accepted account act acting add
    added adding admit afford agree aim allow apply applies applied approach argue arrange
    arrive assume attempt based basis belong benefit beat behind being bet beyond born borrow
    break brought build built busy calculate cancel carry catch caught choose chose claim
    clear close collect combine combined combining complete concerned confirm confused connect
    consist continue cover create cross cut date depend depends describe deserve detail
    determine develop die discuss double drink drive drop earlier early eat effective
    efficient end ended ending enjoy ensure enter entire equal especially estimate etc event
    exact exist expected experience express extend face fail fair fall familiar fast feature
    felt figure fill final finally finish fit fix focus force form found friend full fully
    gain general generally goal gone got handle hang happy hate head hear heard hold hope hour
    hours imagine impact improve include included increase indeed inform information instance
    intend interested involve join jump just kept key kill knew known lack large late lead
    learn leave left lend level lie life lift light limit line list listen live living lose
    lost love made maintain manage mark meet mention met middle miss mix month months move
    moved near nearly necessary note notice obvious offer officially open order otherwise
    outcome overall pass past pay perfect pick pin place play please plus pop practical prefer
    prepare present press prevent previous produce promise proper prove provide pull purpose
    push raise reach read ready realise realize receive recent recently recommend recommended
    reduce refer regard relate relevant remain remember remove repeat replace reply report
    require rest result return review rid rise rule run save saw search second seen select
    send sense serious serve share short side sign similar simply single sit situation
    size skip slow sound speak special specific spend stand stay step stick story straight
    strong study stuck suggest suit support suppose switch telling tend term terms test then
    therefore third thought throw tie told top touch toward towards track tried trust turn
    twice unless update upon urgent value various view visit wait walk warn watch wear went
    whether win word worry worse worst write written yesterday tomorrow morning evening night
    weekly monthly yearly sometime somehow somewhere anywhere everywhere nowhere happening
    said asks answers answered gonna wanna gotta hey hi hello lol pls plz
    mom mum mother dad father wife husband son daughter parent parents partner friend
    sister brother grandma grandmother grandpa grandfather aunt uncle family boyfriend
    girlfriend baby upper limit limits maximum max minimum min ceiling besides beside except
    deciding decide decision occasional occasionally sometimes frequent frequently rarely
    mch hw abt thx u ur r pls plz ppl
    name names named define defined definition article articles text page author writer aspect
    aspects according regarding concerning around approximately roughly steady solid reliable
    weak encourage encouraging convincing preserve protect buy purchase behave regimen routine
    schedule protocol chemical claims state states stated mentioned described summarize
    summary overview mainly mostly largely basically essentially precise precisely proof
    category measure measured comparison versus unlike warning warnings thinking wise sensible
    reasonable insufficient plenty borderline paper papers settle settled back gummy gummies
    softgel softgels bottle bottles label labels naturopath nutritionist dietitian dietician
    chiropractor trainer coach pharmacy store shop cure cures cured fix fixes undo clash
    course strengthen strengthens weaken weakens""".split()
)
