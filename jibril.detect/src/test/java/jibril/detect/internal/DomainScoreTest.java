package jibril.detect.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DomainScoreTest {

    /** The {@code threshold} of the built-in recipe {@code algorithmic_domains} (builtin/algorithmic_domains.yaml). */
    private static final int RECIPE_THRESHOLD = 80;

    @ParameterizedTest
    @ValueSource(strings = {
            "google.com", "wikipedia.org", "github.com", "debian.org", "amazonaws.com", "stackoverflow.com",
            "localhost", "bbc.co.uk", "youtube.com", "facebook.com", "microsoft.com", "apple.com", "netflix.com",
            "reddit.com", "yahoo.com", "baidu.com", "yandex.ru", "qq.com", "taobao.com", "cloudflare.com",
            "akamaihd.net", "fastly.net", "cloudfront.net", "gstatic.com", "googleapis.com", "doubleclick.net",
            "ytimg.com", "twimg.com", "nytimes.com", "theguardian.com", "reuters.com", "paypal.com",
            "wordpress.com", "npmjs.org", "pypi.org", "python.org", "kernel.org", "ubuntu.com", "redhat.com",
            "fedoraproject.org", "archlinux.org", "docker.io", "quay.io", "k8s.io", "letsencrypt.org",
            "digitalocean.com", "hetzner.de", "ovh.net", "telegram.org", "whatsapp.net", "sentry.io",
            "datadoghq.com", "grafana.com", "abc.net.au", "yahoo.co.jp", "nhk.or.jp", "spiegel.de", "lemonde.fr",
            "mercadolivre.com.br", "rakuten.co.jp", "naver.com", "steampowered.com", "kpmg.com", "hsbc.com",
            "4chan.org", "163.com", "360.cn", "1password.com", "99designs.com", "7-eleven.com", "1e100.net",
            "deb.debian.org", "security.debian.org", "registry-1.docker.io", "repo1.maven.org",
            "files.pythonhosted.org", "objects.githubusercontent.com", "codeberg.org", "matrix.org",
            "libreoffice.org", "blender.org", "musicbrainz.org", "raspberrypi.org", "mikrotik.com", "gosuslugi.ru",
            "aljazeera.com", "hao123.com", "haveibeenpwned.com", "mvnrepository.com", "kakaocdn.net", "nflxvideo.net",
            "yarnpkg.com", "pinduoduo.com", "wildberries.ru", "zalando.de", "allegro.pl", "trendyol.com",
    })
    void commonNamesScoreBelow50(String name) {
        int score = DomainScore.score(name);
        assertTrue(score < 50, name + " scores " + score);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // Cryptolocker style: 12 to 15 random letters under common TLDs.
            "xjwqpltmzkvbrn.com", "kqlxtqptsmys.com", "ouxtjzmgtwqvr.org", "nvgoksxbejhqaud.ru",
            "tlpqrhsmaoyxgi.biz", "gxjfdyubkqwernp.co.uk", "ikrpbxslmwohqtc.info", "yxkoemfqatbsru.com",
            // Necurs style: longer, odd TLDs.
            "cjxnbmofrqpsh.pw", "hsoyfvwoxqyrcbq.ws", "ueyxmwknvsjrpfaltg.ki", "pbxwqgmoerntjuvdl.nu",
            "fmlrvkdjgiwqtepbs.la",
            // Ramnit style.
            "ttmvjtkhmkkxfep.com", "qjvgbrwymnoljsx.com",
            // Conficker style: 10 or 11 letters.
            "vnzbgvwnqk.info", "qwmfjxlrbcz.biz", "bzqhdtrwxl.ws", "jqmkxtevnwr.cn",
            // Gameover Zeus style: long alphanumerics.
            "1n5b2v7w4aphtn1dtsvk1ns8nwfa.com", "7k2h9pdf4xq1zr8lwb3.net", "a8f3k2m9x1q7.net", "q7w8e9r0t1y2u3.biz",
            // Hash based (Bamital style).
            "4f8a9c2e7b1d3e6f.com", "e3b0c44298fc1c14.net", "9b74c9897bac770f.org",
            // Tinba / Murofet style.
            "lhjyvwzxkpfrtd.org", "wxsrdbjqzyhkvp.net", "mvxhqzrbtkwjnf.com", "pofhkgxmzrwq.tk", "dbqmhxtzlkwv.cf",
            "ydkvsnzlpqwt.top", "fhwbzrqxlmcj.xyz", "rivueqxakzhm.kz",
            // Under a subdomain: only the registrable label counts.
            "www.xjwqpltmzkvbrn.com", "cdn.a8f3k2m9x1q7.net.",
    })
    void generatedNamesScoreAbove70AndAboveTheRecipeThreshold(String name) {
        int score = DomainScore.score(name);
        assertTrue(score > 70, name + " scores " + score);
        assertTrue(score > RECIPE_THRESHOLD, name + " scores " + score + ", the recipe reports above "
                + RECIPE_THRESHOLD);
    }

    @Test
    void mostRandomLabelsAreReported() {
        Random random = new Random(2024);
        String letters = "abcdefghijklmnopqrstuvwxyz";
        String alphanumerics = letters + "0123456789";
        assertTrue(share(random, letters, 12) >= 0.90, "12 random letters");
        assertTrue(share(random, letters, 16) >= 0.95, "16 random letters");
        assertTrue(share(random, alphanumerics, 16) >= 0.98, "16 random alphanumerics");
    }

    private static double share(Random random, String alphabet, int length) {
        int reported = 0;
        int n = 1000;
        for (int i = 0; i < n; i++) {
            StringBuilder label = new StringBuilder();
            for (int j = 0; j < length; j++) {
                label.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (DomainScore.score(label + ".com") > RECIPE_THRESHOLD) {
                reported++;
            }
        }
        return (double) reported / n;
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            " ", ".", "localhost", "metadata", "192.168.1.10", "10.0.0.1.", "::1", "fe80::1%eth0",
            "1.0.0.127.in-addr.arpa", "metadata.google.internal", "xjwqpltmzkvbrn.local",
            "ip-10-0-1-23.ec2.internal", "kube-dns.kube-system.svc.cluster.local",
            "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion", "xn--bcher-kva.example",
            "xjwqpltmzkvbrn.lan", "name with spaces.com", "ünïcode.com",
    })
    void namesNotWorthScoringScoreZero(String name) {
        assertEquals(0, DomainScore.score(name), String.valueOf(name));
    }

    @Test
    void scoresTheRegistrableLabel() {
        assertEquals("google", DomainScore.registrableLabel("www.google.com"));
        assertEquals("google", DomainScore.registrableLabel("WWW.Google.COM."));
        assertEquals("bbc", DomainScore.registrableLabel("news.bbc.co.uk"));
        assertEquals("abc", DomainScore.registrableLabel("abc.net.au"));
        assertEquals("yahoo", DomainScore.registrableLabel("www.yahoo.co.jp"));
        assertEquals("example", DomainScore.registrableLabel("a.b.example.com"));
        assertEquals("amazonaws", DomainScore.registrableLabel("ec2-54-12-33-1.compute-1.amazonaws.com"));
        assertEquals("co", DomainScore.registrableLabel("co.uk"));
        assertEquals("", DomainScore.registrableLabel("localhost"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "d1xyz2abc3q9.cloudfront.net", "ec2-54-12-33-1.compute-1.amazonaws.com",
            "e3b0c44298fc1c14.s3.amazonaws.com", "r3---sn-4g5e6nsz.googlevideo.com",
            "x2kzqv7f.execute-api.us-east-1.amazonaws.com",
    })
    void machineMadeSubdomainsOfKnownSitesScoreLow(String name) {
        int score = DomainScore.score(name);
        assertTrue(score < 50, name + " scores " + score);
    }

    @Test
    void alwaysWithinZeroToHundredAndDeterministic() {
        Random random = new Random(7);
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.";
        for (int i = 0; i < 5000; i++) {
            StringBuilder name = new StringBuilder();
            int length = 1 + random.nextInt(70);
            for (int j = 0; j < length; j++) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            int score = DomainScore.score(name.toString());
            assertTrue(score >= 0 && score <= 100, name + " scores " + score);
            assertEquals(score, DomainScore.score(name.toString()));
        }
    }

    @Test
    void theModelTablesLoad() {
        DomainScore.Features english = DomainScore.features("stackoverflow");
        DomainScore.Features random = DomainScore.features("xjwqpltmzkvbrn");
        assertTrue(english.meanCost() < random.meanCost());
        assertTrue(english.wordCoverage() > 0.9);
        assertEquals(0.0, random.wordCoverage());
        assertEquals(5, DomainScore.features("a8f3k2").alternations());
        assertEquals(1, DomainScore.features("web3").alternations());
        assertEquals(2, DomainScore.features("k8s-web").alternations(), "alternations do not cross hyphens");
    }
}
