package jibril.detect.internal;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * How likely a domain name was made by a domain generation algorithm (DGA), as a score from 0 (a name people
 * chose) to 100 (a name a program drew at random). Pure, without dependencies, thread-safe; the
 * {@code algorithmic_domains} breed compares the score with a recipe's {@code threshold} (the built-in recipe
 * uses 80).
 *
 * <h2>What is scored</h2>
 * Only the registrable label: the label left of the public suffix. The suffix is found approximately: the last
 * label, and the last two when the name has at least three labels, the last one is a two-letter country code and
 * the one before it a common second level ({@code co.uk}, {@code com.au}, {@code ne.jp}, {@code gov.br}, …).
 * Subdomains are ignored on purpose: hosts under CDNs and clouds carry machine-made but harmless hashes
 * ({@code d2x1y3.cloudfront.net}, {@code ec2-3-4-5-6.compute-1.amazonaws.com}), while a DGA has to register what
 * it generates, so its randomness sits in the registrable label. These score 0: names without a dot
 * ({@code localhost}, {@code metadata}), IP literals, names under suffixes nobody registers ({@code .arpa},
 * {@code .local}, {@code .internal}, {@code .lan}, {@code .home}, {@code .corp}, {@code .onion}, …), IDN labels
 * ({@code xn--…}) and labels with characters outside {@code a-z 0-9 - _}.
 *
 * <h2>Features</h2>
 * The label is lower-cased. Hyphens and underscores are not counted as characters, but they end letter runs and
 * the parts in which letter/digit alternations are counted; digits end letter runs too.
 * <ol>
 *   <li><b>Bigram cost</b> ({@link #BIGRAMS}): -log2 P(next letter | letter) over 26 letters and a run boundary,
 *       in tenths of a bit, capped at 12 bits. The table was computed once from letter bigram counts over English
 *       prose (the GNU/Debian licence texts, the Vim manual and the Debian manual pages of sections 1, 5, 7 and
 *       8; each distinct word seen 3 times or more, weighted by the square root of its frequency, at most 30, so
 *       that a few very common words do not dominate) plus the words of {@link #WORDS} (weight 30 each), with
 *       add-0.5 smoothing. The features are the mean cost over the transitions of every letter run, boundaries
 *       included (about 4.2 bits for the labels of popular sites, 5.9 for random letters), and the share of
 *       transitions costing 7 bits or more (7% against 33%).</li>
 *   <li><b>Vowel ratio</b>, {@code aeiouy} among the letters: about 0.38 in real labels, 0.23 in random ones.</li>
 *   <li><b>Longest consonant run</b>: past 3 it is rare in words ({@code strengths}), common in random strings.</li>
 *   <li><b>Digits</b>: their share of the label, and the letter/digit alternations beyond 2 ({@code a8f3k2}
 *       alternates five times, {@code web3} once, {@code hao123} once); a hex label of 10 characters or more
 *       mixing letters and digits counts as a hash.</li>
 *   <li><b>Shannon entropy</b> of the characters, divided by the highest possible for the length (log2 of the
 *       length, at most log2 36).</li>
 *   <li><b>Word coverage</b>: the share of letters inside an occurrence of a word of {@link #WORDS} of 4 letters or
 *       more, or of a token of {@link #TOKENS} ({@code hdfcbank}: {@code bank}, a half; {@code kakaocdn}: all).
 *       Random strings seldom contain one.</li>
 *   <li><b>Length</b>: short labels carry little evidence ({@code bbc}, {@code qq}, {@code vk}): every feature
 *       above is damped by a factor growing from 0.25 at 4 characters to 1 at 10; the length itself (up to 20)
 *       adds evidence.</li>
 * </ol>
 * The evidence x is the weighted sum in {@link #evidence(Features)}, the score its logistic,
 * {@code 100 / (1 + e^-x)}. The weights were fitted by logistic regression on about 480 labels of popular sites
 * against random labels of 5 to 24 letters or alphanumerics, then rounded; the word-coverage weight was raised by
 * hand (random strings, the only negatives, say little about it).
 *
 * <h2>Results</h2>
 * {@code google.com} 2, {@code wikipedia.org} 1, {@code stackoverflow.com} 0, {@code xjwqpltmzkvbrn.com} 100,
 * {@code a8f3k2m9x1q7.net} 100. Of about 900 names of popular sites and infrastructure, 8 score above 50, 3 above
 * 70 ({@code hdfcbank} 75, {@code msftncsi} 79, {@code crwdcntrl} 99) and 1 above 80. Random labels of letters
 * score above 80 in 58% of cases at 7 characters, 74% at 8, 91% at 10, 96% at 12 and 99% at 15.
 *
 * <h2>Limits</h2>
 * Dictionary DGAs (Suppobox, Matsnu, Banjori: concatenated words) and pronounceable ones (Simda, Pykspa) look
 * like words and score low; random labels under 8 characters score anywhere. Disemvowelled or acronym names
 * ({@code crwdcntrl}, {@code hdfcbank}, {@code iqiyi}, {@code airbnb}) score higher than words.
 */
public final class DomainScore {

    private DomainScore() {
    }

    /**
     * Common English words and the labels of well-known sites: the dictionary of the word-coverage feature (words
     * of 4 letters or more), also counted into {@link #BIGRAMS}.
     */
    static final String WORDS = """
            the and that have for not with you this but his from they say her she will one all would there
            their what out about who get which when make can like time just him know take people into year
            your good some could them see other than then now look only come its over think also back after
            use two how our work first well way even new want because any these give day most find here
            thing many tell very through long where much should great little world still own public help
            home service state hand high life number part place case point group problem fact water money
            story month night right study book word business issue side kind head house friend power school
            country question company program system government information family student mother father area
            result change morning reason research girl guy moment teacher force education market news media
            social network online cloud server storage security private secure data center central support
            mobile phone mail email message chat video music movie photo image picture camera stream live
            play game games sport sports shop store shopping buy sell price deal sale free best top open
            source code software hardware computer tech technology digital internet web site page blog forum
            wiki search engine map travel hotel flight ticket booking weather health medical doctor care
            insurance bank banking finance credit card pay payment wallet account login sign trust global
            national international united american british english france french german spanish china japan
            india brazil russia canada australia europe london paris berlin tokyo york california texas
            florida university college academy institute library museum art design studio style fashion
            beauty food recipe kitchen restaurant coffee pizza burger drink wine beer garden flower nature
            animal pet dog cat horse bird fish ocean river mountain island lake park city town village
            street road avenue station train car auto motor electric energy solar green blue red black white
            gold silver star sun moon sky light dark fire earth wind space rocket planet science physics
            chemistry biology math history language culture women children man woman baby kids toy office
            paper print press times post daily herald journal tribune guardian telegraph express today
            report radio television channel broadcast film cinema theater show event festival party wedding
            love dating community club team league football soccer basket baseball hockey tennis golf racing
            poker casino lottery bet betting jobs career hire recruit talent remote freelance contract legal
            law lawyer court police army navy defense military agency department ministry council federal
            county district church faith bible prayer charity foundation relief aid hope peace freedom
            liberty justice development developer build builder tools toolkit platform framework package
            manager container docker kubernetes linux debian ubuntu fedora redhat centos arch gentoo kernel
            python java javascript ruby rust golang perl php node react angular view spring apache nginx
            mozilla firefox chrome chromium safari opera edge microsoft windows outlook azure amazon google
            alphabet apple facebook meta instagram twitter youtube netflix spotify wikipedia wikimedia
            github gitlab bitbucket stackoverflow stackexchange reddit yahoo bing baidu yandex tencent
            alibaba taobao weibo linkedin pinterest tumblr wordpress medium substack discord slack zoom
            dropbox paypal stripe shopify ebay walmart target costco ikea adobe oracle salesforce cisco
            intel nvidia samsung sony nokia huawei xiaomi lenovo dell asus acer canon nikon philips siemens
            toyota honda ford tesla boeing airbus visa mastercard chase wells fargo citi goldman morgan
            stanley reuters bloomberg forbes fortune wired verge engadget techcrunch gizmodo cnet zdnet
            arstechnica slashdot hacker ycombinator cloudflare akamai fastly digitalocean linode vultr
            hetzner heroku vercel netlify firebase amazonaws cloudfront googleapis gstatic googleusercontent
            doubleclick analytics telemetry update updates download downloads mirror mirrors archive release
            releases static assets content delivery proxy gateway portal api apis dev prod staging test demo
            beta admin dashboard console panel control monitor status metrics logging logs events alert
            notify push sync backup restore install setup config settings profile user users member members
            customer customers client partner partners vendor supply order orders cart checkout invoice
            billing subscription premium pro plus basic standard enterprise solutions services systems
            networks labs works holdings capital ventures consulting marketing advertising brand creative
            interactive wide north south east west pacific atlantic coast valley hills forest summer autumn
            winter evening weekend holiday vacation adventure explore discover learn teach course class
            lesson answer ask guide tutorial manual documentation docs reference spec protocol smtp imap
            domain host hosting register registrar name names address telecom verizon comcast vodafone
            orange telefonica airtel spectrum charter xfinity att sprint tmobile welt zeitung spiegel
            deutsche bahn sparkasse haus stadt markt schnell reise wetter nachrichten noticias mundo tienda
            ciudad casa correo libre mercado banco viajes hoja diario periodico juegos monde maison boutique
            nouvelle voyage meteo banque jeux achat vente leboncoin notizie giornale negozio viaggi corriere
            repubblica gazzetta nieuws winkel huis bol marktplaats kaart wereld zakupy sklep wiadomosci
            pogoda allegro onet gazeta novosti mir moskva russkiy poisk pochta kino muzyka zhong guo bai du
            tao bao xin lang sou hu wang yi jing dong mei tuan ping duo zhi hua wei xiao tian mao shang hai
            bei qing tong xun zhang ming nihon osaka kyoto shinbun asahi yomiuri mainichi rakuten niko douga
            hatena seoul hangul naver daum kakao coupang dns cdn ssl tls http https ftp ntp vpn npm pkg jdk
            sdk xml json yaml crm erp cms pdf css html repository registry packages containers images videos
            pictures cluster compute instance region zone bucket object objects queue worker workers
            function functions lambda nodes router switch firewall connectivity check captive detect
            detection duck snap craft flat raspberry berry pine smart device devices sensor vision
            """;

    /**
     * Abbreviations and brand stems common in the names of infrastructure ({@code fbcdn}, {@code yarnpkg},
     * {@code msftncsi}): also part of the word-coverage dictionary, whatever their length (3 letters or more).
     */
    static final String TOKENS = """
            cdn img pkg api app web net dns vpn ssl tls ftp git svc srv dev ops log sdk cli ntp ads tag pix vid msg sys
            lib bin doc box hub lab kit bot cam crm erp geo gps iot sms tel faq seo aws gcp ibm amd arm cpu gpu ram ssd
            usb nas vps tech info msft nflx goog fb yt npm pypi cpan ctan yarn deno nix pwn xyz hq tv ai io os js
            """;

    /**
     * The bigram costs: row the letter ({@code ^} the start of a run), column the next one ({@code $} the end of a
     * run), -log2 P(column | row) in tenths of a bit.
     */
    static final String BIGRAMS = """
            a   b   c   d   e   f   g   h   i   j   k   l   m   n   o   p   q   r   s   t   u   v   w   x   y   z   $
        a  88  45  37  44  92  69  47  93  48 103  64  32  45  33  87  47  87  33  40  26  51  67  76  70  62  83  49
        b  28  65  63  72  31  77  75  86  35  61  94  24  71  64  37  65  90  44  44  67  34  88  98  98  55  94  40
        c  34  93  54  83  28  88  93  34  47 120  40  40  70  90  25  67 105  43  60  33  48  99 111 111  58 120  43
        d  37  62  66  52  22  70  70  86  29  87  82  60  66  67  44  60 107  52  46  67  50  70  80  97  76 105  18
        e  46  69  41  36  60  59  62  90  67 110  87  46  49  34  75  53  76  28  32  41  75  60  67  52  66 105  27
        f  38  87  73  68  37  37  84  86  17 120  86  42  79  77  28  83  94  44  54  51  46 100  88 105  58 120  39
        g  47  83  63  75  23  73  57  49  36 102  80  51  67  47  50  61  84  36  43  68  50  84  89 117  79  91  18
        h  28  76  66  70  22  84  93  98  30 105  85  64  60  67  28  66 112  48  62  44  52 104  90 120  64  86  28
        i  50  59  36  48  47  53  46 108 104 120  79  41  47  20  32  53  97  51  40  36  89  52 119  72 114  60  57
        j  31  95  67  58  15  75  93  99  45 100  73  84  67  86  24  67  71  86  42  86  31  92  69 120 120 108  47
        k  42  76  65  62  16  57  67  87  35 108  77  55  54  61  58  63  99  71  36  56  41  81  76 109  68 101  24
        l  35  75  71  51  22  74  80  94  27 120  85  36  76  81  31  65 106  78  49  49  48  72  96 109  44 104  32
        m  24  52  70  58  22  74  86 106  34 120  86  65  50  72  35  33 120  78  50  75  52  93  89 103  43 101  38
        n  36  86  40  38  35  52  30  87  46  97  65  66  74  58  43  69 106  76  35  28  62  65  94 107  78 103  30
        o  60  59  47  48  78  63  56  95  64  71  63  40  41  22  50  45 120  28  48  48  37  52  50  77  74  95  48
        p  31  84  64  60  28  75  71  58  45 120  73  35  76  81  31  45 103  27  49  41  46  79  87 120  69 120  37
        q  70  73  76  55  68  59  87  98  64 120  98  34  80  71  77  62  78  71  58  60   6  78  89  81 107 120  36
        r  35  73  48  53  21  71  58  96  34 120  54  63  53  57  34  66 114  57  43  43  56  55  77 114  50 118  32
        s  54  91  47  78  30  74  89  48  40 116  62  62  75  75  48  49  81  77  41  27  48  92  73 118  59 110  17
        t  34  80  58  68  24  71  80  44  26 110  94  60  71  79  39  60 118  41  44  52  55  86  66  93  51 104  28
        u  51  42  50  47  45  67  57 101  50 119  97  37  43  30  68  36 120  31  31  29  94  94 102  77  97  95  55
        v  27 100  72  87  12  89  84  93  22 120  94  78  53  86  46  58 116 100  75  78  78  77 101  99  92 120  43
        w  27  82  72  64  31  80  85  43  27 120  78  57  78  44  24  71 101  46  43  68  78  93  77  85  88 120  33
        x  38  73  37  60  34  59  83  77  37 117  91  70  57  75  69  27  93  57  58  28  64  80  76  59  52  84  24
        y  55  60  54  62  55  65  68  82  52  99  78  58  46  48  53  32  92  55  34  48  77  73  67 103 103  73  12
        z  30  92  79  65  14  83  85  55  34 104  99  76  64  66  29  81 101  79  58  94  54  99  88 105  55  57  36
        ^  39  47  35  41  44  47  51  54  45  70  65  48  40  47  52  38  77  40  33  42  53  59  53  76  79  80 120
        """;

    private static final int BOUNDARY = 26;
    /** Costs of 7 bits or more make a transition rare. */
    private static final double RARE = 7.0;
    private static final int MIN_WORD = 4;
    private static final int MIN_TOKEN = 3;
    private static final int MAX_WORD = 20;

    /** -log2 P(b | a) in bits; index 26 the boundary. */
    private static final double[][] COST = new double[27][27];
    private static final Set<String> DICTIONARY = new HashSet<>();

    static {
        String[] lines = BIGRAMS.strip().split("\n");
        if (lines.length != 28) {
            throw new IllegalStateException("the bigram table has " + lines.length + " lines");
        }
        for (int row = 0; row < 27; row++) {
            String[] cells = lines[row + 1].strip().split(" +");
            if (cells.length != 28) {
                throw new IllegalStateException("bigram row " + cells[0] + " has " + cells.length + " cells");
            }
            int index = cells[0].equals("^") ? BOUNDARY : cells[0].charAt(0) - 'a';
            for (int col = 0; col < 27; col++) {
                COST[index][col] = Integer.parseInt(cells[col + 1]) / 10.0;
            }
        }
        for (String word : WORDS.strip().split("\\s+")) {
            if (word.length() >= MIN_WORD) {
                DICTIONARY.add(word);
            }
        }
        for (String token : TOKENS.strip().split("\\s+")) {
            if (token.length() >= MIN_TOKEN) {
                DICTIONARY.add(token);
            }
        }
    }

    /**
     * Suffixes nobody registers names under: reverse DNS, local and private networks, and overlay networks whose
     * names are keys by design ({@code .onion}).
     */
    private static final Set<String> PRIVATE_SUFFIXES = Set.of(
            "arpa", "local", "localhost", "localdomain", "internal", "lan", "home", "corp", "intranet", "private",
            "invalid", "onion", "i2p");

    /** Second-level labels under which country codes register names: {@code co.uk}, {@code com.au}, … */
    private static final Set<String> SECOND_LEVELS = Set.of(
            "co", "com", "net", "org", "gov", "edu", "ac", "ne", "or", "go", "gob", "gouv", "mil", "nic", "ltd",
            "plc", "sch", "nhs", "police", "me", "id", "biz", "info", "nom", "web", "int", "res", "gen", "firm",
            "blogspot", "lg", "ed", "gr", "pe", "tm", "asso", "priv");

    /**
     * The score of a name, 0 (chosen by people) to 100 (generated).
     *
     * @param name a domain name, any case, a trailing dot allowed; {@code null} or blank scores 0
     * @return 0 to 100
     */
    public static int score(String name) {
        String label = registrableLabel(name);
        if (label.isEmpty()) {
            return 0;
        }
        double s = 100.0 / (1.0 + Math.exp(-evidence(features(label))));
        return (int) Math.max(0, Math.min(100, Math.round(s)));
    }

    /**
     * The registrable label of a name (see the class documentation), lower-case; empty when the name has none
     * worth scoring.
     */
    static String registrableLabel(String name) {
        if (name == null) {
            return "";
        }
        String n = name.strip().toLowerCase(Locale.ROOT);
        while (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.isEmpty() || n.indexOf(':') >= 0) {
            return "";
        }
        String[] labels = n.split("\\.", -1);
        String tld = labels[labels.length - 1];
        if (labels.length < 2 || PRIVATE_SUFFIXES.contains(tld) || tld.chars().allMatch(Character::isDigit)) {
            return "";
        }
        int index = labels.length - 2;
        if (labels.length >= 3 && tld.length() == 2 && SECOND_LEVELS.contains(labels[index])) {
            index--;
        }
        String label = labels[index];
        if (label.startsWith("xn--")) {
            return "";
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return "";
            }
        }
        return label;
    }

    /** What the score is computed from (see the class documentation). */
    record Features(int length, int letters, int digits, double meanCost, double rareShare, double vowelRatio,
            int longestConsonantRun, int alternations, boolean hex, double entropyRatio, double wordCoverage) {
    }

    /** The features of a registrable label ({@code a-z 0-9 - _}, lower-case). */
    static Features features(String label) {
        int length = 0;
        int letters = 0;
        int digits = 0;
        int vowels = 0;
        int run = 0;
        int longestRun = 0;
        int alternations = 0;
        boolean hex = true;
        int[] frequency = new int[128];
        char previousChar = '-';
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c == '-' || c == '_') {
                previousChar = '-';
                run = 0;
                continue;
            }
            length++;
            frequency[c]++;
            boolean digit = c >= '0' && c <= '9';
            if (previousChar != '-' && digit != (previousChar <= '9')) {
                alternations++; // within a hyphen-separated part
            }
            previousChar = c;
            if (digit) {
                digits++;
                run = 0;
                continue;
            }
            letters++;
            hex &= c <= 'f';
            if ("aeiouy".indexOf(c) >= 0) {
                vowels++;
                run = 0;
            } else {
                longestRun = Math.max(longestRun, ++run);
            }
        }

        double cost = 0;
        int transitions = 0;
        int rare = 0;
        int previous = BOUNDARY;
        for (int i = 0; i <= label.length(); i++) {
            char c = i < label.length() ? label.charAt(i) : '.';
            int current = c >= 'a' && c <= 'z' ? c - 'a' : BOUNDARY;
            if (current == BOUNDARY && previous == BOUNDARY) {
                continue;
            }
            double t = COST[previous][current];
            cost += t;
            transitions++;
            if (t >= RARE) {
                rare++;
            }
            previous = current;
        }

        double entropy = 0;
        for (int f : frequency) {
            if (f > 0) {
                double p = (double) f / length;
                entropy -= p * log2(p);
            }
        }
        double maxEntropy = length > 1 ? log2(Math.min(length, 36)) : 1;

        boolean[] covered = new boolean[label.length()];
        for (int i = 0; i < label.length(); i++) {
            for (int j = i + MIN_TOKEN; j <= Math.min(label.length(), i + MAX_WORD); j++) {
                if (DICTIONARY.contains(label.substring(i, j))) {
                    for (int k = i; k < j; k++) {
                        covered[k] = true;
                    }
                }
            }
        }
        int coveredLetters = 0;
        for (boolean b : covered) {
            coveredLetters += b ? 1 : 0;
        }

        return new Features(length, letters, digits, transitions == 0 ? 0 : cost / transitions,
                transitions == 0 ? 0 : (double) rare / transitions, letters == 0 ? 0 : (double) vowels / letters,
                longestRun, alternations, hex && digits > 0 && letters > 0, entropy / maxEntropy,
                letters == 0 ? 0 : (double) coveredLetters / letters);
    }

    /** The evidence that a label was generated; the score is its logistic. */
    static double evidence(Features f) {
        int length = f.length();
        if (length == 0) {
            return -10;
        }
        if (f.letters() == 0) {
            // Only digits: a phone number, a year, 163.com, 360.cn. Weak evidence, growing past 8 digits.
            return -4.0 + Math.max(0, length - 8) * 0.5;
        }
        double e = 3.41 * (f.meanCost() - 4.5)
                + 0.77 * f.rareShare()
                + 0.19 * (0.33 - f.vowelRatio())
                + 0.63 * Math.max(0, f.longestConsonantRun() - 3)
                + 1.08 * f.digits() / length
                + 2.05 * Math.max(0, f.alternations() - 2)
                + (f.hex() && length >= 10 ? 2.0 : 0)
                + 0.20 * (f.entropyRatio() - 0.9)
                - 3.0 * f.wordCoverage();
        double damp = length >= 10 ? 1.0 : length <= 4 ? 0.25 : 0.25 + (length - 4) * 0.125;
        return e * damp + 1.98 * Math.min(length, 20) / 10.0 - 3.6;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
